package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.head.LossType;

class TrainConfigLoaderTest {
    @TempDir
    Path tmp;

    private Path yaml(String name, String... lines) throws IOException {
        Path file = tmp.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    private ConfigException rejected(Path file, String... overrides) {
        return assertThrows(ConfigException.class, () -> TrainConfigLoader.load(file, List.of(overrides)));
    }

    @Test
    void noFileNoOverridesIsTheDefaults() {
        assertEquals(TrainConfig.defaults(), TrainConfigLoader.load(null, List.of()));
    }

    @Test
    void yamlThenOverrides() throws IOException {
        Path f = yaml("f.yaml",
                "# a recipe",
                "model_name: ResNet101",
                "loss_type: dist_cosface",
                "num_classes: 1000",
                "lr: 0.2",
                "lr_steps: [10, 20]",
                "val_targets: [lfw, agedb_30]",
                "calc_acc: true",
                "checkpoint_dir: /ckpt/step-100");
        TrainConfig c = TrainConfigLoader.load(f, List.of("lr=0.3", "lr_steps=[1000,2000]", "val_targets=lfw,cfp_fp",
                "train_steps=5000"));
        assertEquals("ResNet101", c.modelName());
        assertEquals(LossType.COSFACE, c.lossType());
        assertEquals(1000, c.numClasses());
        assertEquals(0.3, c.lr());
        assertEquals(List.of(1000L, 2000L), c.lrSteps());
        assertEquals(List.of("lfw", "cfp_fp"), c.valTargets());
        assertTrue(c.calcAcc());
        assertEquals("/ckpt/step-100", c.checkpointDir());
        assertEquals(5000, c.trainSteps());
        assertEquals(512, c.embDim(), "keys not set keep PLSC's default");
    }

    @Test
    void overrideMayClearAnOptionalValue() throws IOException {
        Path f = yaml("f.yaml", "checkpoint_dir: /ckpt", "scale: 30");
        TrainConfig c = TrainConfigLoader.load(f, List.of("checkpoint_dir=", "scale=null"));
        assertNull(c.checkpointDir());
        assertNull(c.scale());
    }

    @Test
    void recipeOverridesItsBaseRelativeToItself() throws IOException {
        yaml("recipes/common.yaml", "emb_dim: 256", "lr: 0.05", "base: root.yaml");
        yaml("recipes/root.yaml", "emb_dim: 128", "num_classes: 10", "seed: 7");
        Path top = yaml("recipes/small.yaml", "base: common.yaml", "lr: 0.01");
        TrainConfig c = TrainConfigLoader.load(top, List.of());
        assertEquals(0.01, c.lr(), "the recipe wins over its base");
        assertEquals(256, c.embDim(), "the base wins over its own base");
        assertEquals(10, c.numClasses());
        assertEquals(7, c.seed());
    }

    @Test
    void baseCircleIsRefused() throws IOException {
        yaml("a.yaml", "base: b.yaml");
        Path b = yaml("b.yaml", "base: a.yaml");
        assertTrue(rejected(b).getMessage().contains("circle"));
    }

    @Test
    void unknownKeySuggestsTheClosest() throws IOException {
        Path f = yaml("f.yaml", "lr: 0.1", "lerning_rate: 0.1");
        ConfigException e = rejected(f);
        assertTrue(e.getMessage().startsWith("unknown key 'lerning_rate' in "), e.getMessage());
        assertTrue(e.getMessage().contains("f.yaml line 2"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(did you mean 'lr'?)"), e.getMessage());
        assertTrue(rejected(null, "train_bach_size=3").getMessage().contains("did you mean 'train_batch_size'?"));
        assertTrue(rejected(null, "embedding_size=3").getMessage().contains("did you mean 'emb_dim'?"));
        String far = rejected(null, "zzzzzzzz=1").getMessage();
        assertEquals("unknown key 'zzzzzzzz' in override 'zzzzzzzz=1'", far);
    }

    @Test
    void wrongTypeNamesKeyFileAndLine() throws IOException {
        Path f = yaml("f.yaml", "lr: 0.1", "", "emb_dim: abc");
        ConfigException e = rejected(f);
        assertEquals("emb_dim", e.key());
        assertTrue(e.getMessage().startsWith("key 'emb_dim' in "), e.getMessage());
        assertTrue(e.getMessage().endsWith("f.yaml line 3: expected an integer, got 'abc'"), e.getMessage());
        assertTrue(rejected(null, "emb_dim=1.5").getMessage().contains("expected an integer, got '1.5'"));
        assertTrue(rejected(null, "lr=fast").getMessage().contains("key 'lr' in override 'lr=fast': expected a number, got 'fast'"));
        assertTrue(rejected(null, "calc_acc=maybe").getMessage().contains("expected true or false"));
        assertTrue(rejected(null, "lr_steps=[1,x]").getMessage().contains("expected a list of integers, got 'x'"));
        assertTrue(rejected(null, "emb_dim=").getMessage().contains("expected an integer, got nothing"));
        assertTrue(rejected(null, "emb_dim=99999999999").getMessage().contains("expected an integer"));
    }

    @Test
    void numbersYamlReadsAsTextAreNumbers() throws IOException {
        Path f = yaml("f.yaml", "train_steps: 1e5", "weight_decay: 1e-4");
        TrainConfig c = TrainConfigLoader.load(f, List.of());
        assertEquals(100_000, c.trainSteps());
        assertEquals(1e-4, c.weightDecay());
    }

    @Test
    void duplicateKeyAndBadYamlAreNamed() throws IOException {
        assertTrue(rejected(yaml("d.yaml", "lr: 0.1", "lr: 0.2")).getMessage().contains("set twice"));
        String bad = rejected(yaml("bad.yaml", "lr: 0.1", "emb_dim: [1, 2")).getMessage();
        assertTrue(bad.contains("bad.yaml") && bad.contains("not valid YAML"), bad);
        assertTrue(rejected(tmp.resolve("missing.yaml")).getMessage().contains("does not exist"));
        assertTrue(rejected(null, "lr").getMessage().contains("override 'lr' is not key=value"));
    }

    @Test
    void toYamlRoundTrips() throws IOException {
        TrainConfig c = TrainConfigLoader.load(null, List.of("loss_type=combined", "margin1=0.9", "scale=30.5",
                "lr_steps=[5,6,7]", "val_targets=[lfw]", "checkpoint_dir=/x y/z", "model_name=007", "weight_decay=1e-10",
                "lr_scheduler=cosine", "mixed_precision=true", "val_data_dir=/val", "best_target=lfw"));
        String text = TrainConfigLoader.toYaml(c);
        assertTrue(text.contains("train_batch_size: 128"), text);
        assertTrue(text.contains("loss_type: dist_combined"), text);
        assertEquals(c, TrainConfigLoader.load(yaml("saved.yaml", text), List.of()));
        assertEquals(TrainConfig.defaults(),
                TrainConfigLoader.load(yaml("defaults.yaml", TrainConfigLoader.toYaml(TrainConfig.defaults())), List.of()));
    }
}
