#pragma once
#include <pybind11/pybind11.h>

void bindVoiceEngine(pybind11::module_& m);
