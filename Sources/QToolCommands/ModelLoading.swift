import ONNXModel
import Passes

/// How the subcommands that work on a model (run, preprocess, the quantizers, debug) load it:
/// decoded with its tensors checked, then admitted (sorted, validated, standard ops only).
/// inspect and convert load without admission: they report and round-trip whatever is there.
enum ModelLoading {
    static func admitted(_ path: String) throws -> Model {
        let model = Model(try ModelFile.load(path))
        try ModelAdmission.admit(model, path: path)
        return model
    }
}
