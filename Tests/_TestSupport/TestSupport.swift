import ONNXModel
