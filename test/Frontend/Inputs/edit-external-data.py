"""Sets one external-data field of the first tensor stored externally
(initializer or Constant attribute) in a model, without loading the data:
edit-external-data.py IN OUT KEY VALUE"""
import sys

import onnx

model = onnx.load(sys.argv[1], load_external_data=False)
tensors = list(model.graph.initializer) + [
    a.t for n in model.graph.node for a in n.attribute if a.HasField("t")]
tensor = next(t for t in tensors if t.data_location == onnx.TensorProto.EXTERNAL)
for entry in tensor.external_data:
    if entry.key == sys.argv[3]:
        entry.value = sys.argv[4]
onnx.save(model, sys.argv[2])
