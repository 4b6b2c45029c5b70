package org.plscj.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.plscj.testing.ServeTesting;
import org.plscj.testing.Float32Tolerance;
import org.plscj.testing.ArcfaceTorchModels;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.plscj.checkpoint.TorchFile;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.tensor.Native;

/**
 * arcface_torch state_dicts (from the fixture script's PyTorch definitions, run by Debian's
 * /usr/bin/python3 with torch) load into our backbones and give PyTorch's embeddings.
 */
class PyTorchImportTest {
    private static final int EMB_DIM = 512;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws Exception {
        ArcfaceTorchModels.assumeTorch();
        Native.load();
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource({"r18, IResNet18", "r50, IResNet50", "mbf, MobileFaceNet", "vit_t, ViT-T"})
    void importedWeightsGivePyTorchsEmbeddings(String torchName, String ourName) throws Exception {
        makeFixture(torchName);
        try (PointerScope scope = new PointerScope()) {
            Backbone backbone = Backbones.create(ourName, EMB_DIM);
            Map<String, String> names = PyTorchImport.load(backbone, dir.resolve("backbone.pth"));
            backbone.eval();
            Map<String, Object> io = TorchFile.read(dir.resolve("io.pt"));
            float[][] ours = ServeTesting.embed(backbone, (Tensor) io.get("images"));
            float[][] theirs = ServeTesting.rows((Tensor) io.get("embeddings"));
            double diff = ServeTesting.maxAbsDiff(ours, theirs);
            System.out.printf("%s: %d tensors mapped, max |ours − PyTorch| = %.3g (max |e| %.3g)%n", ourName, names.size(), diff,
                    ServeTesting.maxAbs(theirs));
            assertTrue(ServeTesting.maxAbs(theirs) > 0.1, "fixture embeddings must be non-trivial");
            // why this bound: PyTorch 1.13's oneDNN and ours pick different kernels per CPU (Float32Tolerance)
            double rel = Float32Tolerance.relative(backbone);
            assertTrue(diff <= rel * ServeTesting.maxAbs(theirs),
                    ourName + ": max |ours − PyTorch| = " + diff + " exceeds " + rel + " × max |e| " + ServeTesting.maxAbs(theirs));
        }
    }

    @Test
    void namesFollowArcfaceTorch() throws Exception {
        makeFixture("r18");
        Map<String, String> names = PyTorchImport.load(Backbones.create("IResNet18", EMB_DIM), dir.resolve("backbone.pth"));
        assertEquals("conv1.weight", names.get("stem.conv.weight"));
        assertEquals("layer1.0.bn2.running_var", names.get("layer1_0.conv1.bn.running_var"));
        assertEquals("layer2.0.downsample.0.weight", names.get("layer2_0.downsample.conv.weight"));
        assertEquals("features.weight", names.get("embedding.features.weight"));
    }

    @Test
    void vitNamesAreArcfaceTorchsOwn() throws Exception {
        makeFixture("vit_t");
        Map<String, String> names = PyTorchImport.load(Backbones.create("vit_t", EMB_DIM), dir.resolve("backbone.pth"));
        for (String name : List.of("pos_embed", "mask_token", "patch_embed.proj.bias", "blocks.11.attn.qkv.weight",
                "blocks.0.mlp.fc2.bias", "norm.weight", "feature.0.weight", "feature.3.running_var")) {
            assertEquals(name, names.get(name));
        }
        assertEquals(names.size(), names.entrySet().stream().filter(e -> e.getKey().equals(e.getValue())).count(),
                "every name pairs with itself");
    }

    @Test
    void anotherArchitectureIsRefusedNamingTheModule() throws Exception {
        makeFixture("r18");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PyTorchImport.load(Backbones.create("IResNet34", EMB_DIM), dir.resolve("backbone.pth")));
        assertTrue(e.getMessage().contains("does not fit IResNet34") && e.getMessage().contains("layer"), e.getMessage());
    }

    private void makeFixture(String name) throws IOException, InterruptedException {
        ArcfaceTorchModels.write(name, EMB_DIM, dir);
    }
}
