"""ONNX NPC decisions (issue #16): the models' features (``features.py``), the allies count
it uses (``allies.py``), the manifest of shipped models and the registry that loads and
checks them (``docs/models.md``). The trainer is tooling (``engine_bridge/tooling/models``)."""
