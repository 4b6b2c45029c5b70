package org.plscj.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.plscj.serve.AnyModel;
import picocli.CommandLine.Option;

/** {@code --input-std} and {@code --engine}: how the commands that take any model ({@code eval}, {@code predict}) open it. */
final class InputStdOption {
    @Option(names = "--engine", defaultValue = "torch", paramLabel = "torch|onnx",
            description = "For a bundle: libtorch or onnxruntime on its backbone.onnx (default ${DEFAULT-VALUE}); a .onnx file runs on onnx.")
    String engine;

    @Option(names = "--input-std", paramLabel = "STD",
            description = {"For a bare .onnx: the pixel std it was trained with, its input being (x - 127.5)/STD (default: 128, PLSC's,",
                "for files PLSC-J exported; 127.5, arcface_torch's and insightface's model zoo's, for others)."})
    Double inputStd;

    /** Opens {@code model}, saying on {@code err} which pixel scale a foreign .onnx is fed with when it was not given. */
    AnyModel open(Path model, PrintWriter err) throws Exception {
        AnyModel opened = AnyModel.open(model, engine, inputStd);
        opened.inputNote().ifPresent(note -> {
            err.println("plsc: " + note);
            err.flush();
        });
        return opened;
    }
}
