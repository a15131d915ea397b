# Finds msgpack-c (the C library from Debian's libmsgpack-dev) as the target msgpackc.
# msgpack-c (libmsgpack-dev), target msgpackc. Debian's msgpack-cxx installs a second
# package also called "msgpack" (header-only C++, no msgpackc), so point find_package at
# the C library's folder; if some other layout still hides the target, import the library.
if(NOT TARGET msgpackc)
  find_path(AICORE_MSGPACK_C_CMAKE_DIR msgpack-targets.cmake
    PATH_SUFFIXES lib/${CMAKE_LIBRARY_ARCHITECTURE}/cmake/msgpack lib/cmake/msgpack lib64/cmake/msgpack)
  find_package(msgpack CONFIG QUIET HINTS ${AICORE_MSGPACK_C_CMAKE_DIR})
endif()
if(NOT TARGET msgpackc)
  find_library(AICORE_MSGPACKC_LIBRARY NAMES msgpackc msgpack-c REQUIRED)
  find_path(AICORE_MSGPACKC_INCLUDE_DIR msgpack.h REQUIRED)
  add_library(msgpackc UNKNOWN IMPORTED)
  set_target_properties(msgpackc PROPERTIES
    IMPORTED_LOCATION ${AICORE_MSGPACKC_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${AICORE_MSGPACKC_INCLUDE_DIR})
endif()
