package org.plscj.testing;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * arcface_torch backbones made by PyTorch: runs fixtures/serve/arcface_torch_models.py (arcface_torch's IResNet and
 * MobileFaceNet definitions) with Debian's /usr/bin/python3 and its torch. Written at test time, not committed: an
 * IResNet18 state_dict is 50–100 MB, and our IResNet18 has no narrower variant whose file would be small.
 */
public final class ArcfaceTorchModels {
    private static final Path PYTHON = Paths.get("/usr/bin/python3");

    private ArcfaceTorchModels() {}

    /** Skips the calling test unless /usr/bin/python3 can import torch. */
    public static void assumeTorch() throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3");
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        Assumptions.assumeTrue(p.waitFor() == 0, "/usr/bin/python3 has no torch");
    }

    /**
     * Writes {@code dir/backbone.pth} (arcface_torch model {@code name}: r18, r34, r50, r100 or mbf, random weights and
     * BatchNorm statistics, eval-mode state_dict) and {@code dir/io.pt} ({"images": [3, 3, 112, 112], "embeddings":
     * PyTorch's eval-mode forward of them}).
     */
    public static void write(String name, int embDim, Path dir) throws IOException, InterruptedException {
        Path script;
        try {
            script = Paths.get(ArcfaceTorchModels.class.getResource("/fixtures/serve/arcface_torch_models.py").toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        Process p = new ProcessBuilder(PYTHON.toString(), script.toString(), name, String.valueOf(embDim), dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("fixture script failed:\n" + out);
        }
    }
}
