"""The operator sets an ONNX file declares, read without the ``onnx`` package.

The game runs models with onnxruntime and numpy alone, and onnxruntime does not say which
opset a model was exported for; the registry checks it against the manifest. An ONNX file
is one protobuf ``ModelProto``, whose field 8 (``opset_import``) repeats an
``OperatorSetIdProto`` of ``domain`` (field 1, a string; empty: the default ``ai.onnx``)
and ``version`` (field 2, an integer). This reads the top-level fields of the message and
those, skipping everything else by its wire type: a few dozen lines of protobuf.
"""

from __future__ import annotations

__all__ = ["OnnxHeaderError", "opsets"]

_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5
_OPSET_IMPORT = 8
_DOMAIN, _VERSION = 1, 2


class OnnxHeaderError(ValueError):
    """The bytes are not a protobuf message this reader can walk (not an ONNX file)."""


def _varint(data: bytes | memoryview, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data):
            raise OnnxHeaderError("the file ends inside a number")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7
        if shift > 63:
            raise OnnxHeaderError("a number longer than 10 bytes")


def _fields(data: bytes | memoryview) -> list[tuple[int, int, bytes | memoryview | int]]:
    """Every (field number, wire type, value) of one message, in order."""
    found: list[tuple[int, int, bytes | memoryview | int]] = []
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise OnnxHeaderError("field number 0")
        if wire == _VARINT:
            value, at = _varint(data, at)
            found.append((number, wire, value))
        elif wire in (_FIXED64, _FIXED32):
            width = 8 if wire == _FIXED64 else 4
            if at + width > len(data):
                raise OnnxHeaderError("the file ends inside a fixed-width field")
            at += width
        elif wire == _BYTES:
            length, at = _varint(data, at)
            if at + length > len(data):
                raise OnnxHeaderError(f"field {number} runs past the end of the file")
            found.append((number, wire, data[at : at + length]))
            at += length
        else:
            raise OnnxHeaderError(f"wire type {wire} (field {number}) is not protobuf's")
    return found


def opsets(model: bytes) -> dict[str, int]:
    """``{domain: version}`` of the ONNX model in ``model`` (the default domain as
    ``"ai.onnx"``).

    Raises:
        OnnxHeaderError: the bytes are not a protobuf message, or declare no opset.
    """
    view = memoryview(model)
    declared: dict[str, int] = {}
    for number, wire, value in _fields(view):
        if number != _OPSET_IMPORT or wire != _BYTES or isinstance(value, int):
            continue
        domain, version = "", None
        for inner, inner_wire, inner_value in _fields(value):
            if inner == _DOMAIN and inner_wire == _BYTES and not isinstance(inner_value, int):
                try:
                    domain = bytes(inner_value).decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise OnnxHeaderError("an opset domain is not UTF-8") from exc
            elif inner == _VERSION and inner_wire == _VARINT and isinstance(inner_value, int):
                version = inner_value
        if version is not None:
            declared[domain or "ai.onnx"] = version
    if not declared:
        raise OnnxHeaderError("it declares no operator set (no ONNX model header)")
    return declared
