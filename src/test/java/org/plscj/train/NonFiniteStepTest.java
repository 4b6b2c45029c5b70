package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.testing.TinyRun;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.comm.Communicator;
import org.plscj.data.DataConvert;
import org.plscj.head.NonFiniteException;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;
import org.plscj.testing.ObservedPoisonedBackbone;
import org.plscj.testing.PoisonedBackbone;

/**
 * nan_policy: a non-finite embedding, loss or gradient never reaches a weight or a checkpoint; {@code stop} ends
 * the run naming the step, the quantity and the newest intact checkpoint; {@code skip} drops the step's update
 * (BatchNorm statistics included) and counts it, up to max_skipped_steps in a row. Non-finite embeddings are located:
 * the message names the first layer whose output is not finite (or says why none can be named).
 */
class NonFiniteStepTest {
    private static final int CLASSES = 12;

    @TempDir
    static Path shared;

    @BeforeAll
    static void data() throws Exception {
        Native.load();
        DataConvert.fromGenerator(CLASSES, 8, 11, 0, shared.resolve("data"), 1);
    }

    @AfterEach
    void healthyAgain() {
        PoisonedBackbone.reset(Set.of(), Set.of());
    }

    private static TrainConfig config(Path saveDir, String... extra) {
        List<String> overrides = new ArrayList<>(List.of("model_name=" + PoisonedBackbone.class.getName(), "emb_dim=16",
                "num_classes=" + CLASSES, "train_batch_size=8", "lr=0.5", TinyRun.FP32, "train_steps=6", "save_steps=2", "log_period=1",
                "val_targets=[]", "loss_type=dist_cosface", "scale=16", "dataset_dir=" + shared.resolve("data"),
                "model_save_dir=" + saveDir));
        overrides.addAll(List.of(extra));
        return TrainConfigLoader.load(null, overrides);
    }

    private static Trainer.Summary train(TrainConfig config) throws Exception {
        return train(config, backbone -> {}, new ByteArrayOutputStream());
    }

    /** Trains after {@code prepare} saw the backbone the trainer built; the trainer's lines go to {@code out}. */
    private static Trainer.Summary train(TrainConfig config, Consumer<Backbone> prepare, ByteArrayOutputStream out) throws Exception {
        try (Communicator comm = Communicator.single(); Trainer trainer = new Trainer(config, comm, false, new PrintStream(out, true, StandardCharsets.UTF_8))) {
            prepare.accept(trainer.step().backbone());
            return trainer.run();
        }
    }

    /**
     * TinyFaceNet's layer2 convolution with every weight 1e38: finite weights (the run may save them) whose 576-term sums
     * overflow fp32 and bf16 alike, so every step's embeddings are not finite.
     */
    private static void overflowLayer2(Backbone tiny) {
        // why a scope: the parameter is a view into the dictionary, which must outlive the fill
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            tiny.named_parameters(true).get("layer2.conv.weight").fill_(new Scalar(1e38));
        }
    }

    private static List<String> checkpoints(Path saveDir) throws Exception {
        try (Stream<Path> s = Files.list(saveDir.resolve("checkpoints"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void stopEndsTheRunAtTheFirstNonFiniteEmbeddingNamingStepQuantityAndNewestCheckpoint(@TempDir Path dir) throws Exception {
        PoisonedBackbone.reset(Set.of(4), Set.of());
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> train(config(dir)));
        assertTrue(e.getMessage().contains("training diverged at step 4: embedding row 0 on rank 0 is not finite"), e.getMessage());
        assertTrue(e.getMessage().contains("step-00000002"), "names the newest intact checkpoint: " + e.getMessage());
        assertTrue(e.getMessage().contains("is not finite (NaN or Inf); the layer cannot be located for a custom backbone (class "
                + PoisonedBackbone.class.getName() + ")"), e.getMessage());
        assertEquals(List.of("step-00000002"), checkpoints(dir), "nothing saved after the non-finite step");
    }

    @Test
    void onlyTheNonFiniteStepIsRunAgainAndAFiniteRerunIsSaidToBeNonDeterministic(@TempDir Path dir) throws Exception {
        // the poison hits the 4th training forward only: the locating re-run (the 5th, without autograd) is finite
        PoisonedBackbone.reset(Set.of(4), Set.of());
        ObservedPoisonedBackbone.OBSERVED.set(0);
        NonFiniteException e = assertThrows(NonFiniteException.class,
                () -> train(config(dir, "model_name=" + ObservedPoisonedBackbone.class.getName())));
        assertEquals(1, ObservedPoisonedBackbone.OBSERVED.get(), "three finite steps ran once each, the 4th once more");
        assertTrue(e.getMessage().contains("training diverged at step 4: embedding row 0 on rank 0 is not finite (NaN or Inf); "
                + "the backbone's forward run again on the same batch was finite (a non-deterministic NaN or Inf)"), e.getMessage());
    }

    @Test
    void stopNamesTheFirstLayerWhoseBf16OutputIsNotFinite(@TempDir Path dir) throws Exception {
        NonFiniteException e = assertThrows(NonFiniteException.class,
                () -> train(config(dir, "model_name=TinyFaceNet", "mixed_precision=true"), NonFiniteStepTest::overflowLayer2,
                        new ByteArrayOutputStream()));
        assertTrue(e.getMessage().contains("training diverged at step 1: embedding row 0 on rank 0 is not finite (NaN or Inf); "
                + "first non-finite output: layer2 (ConvBn 64→128, bf16) — its input was finite;"), e.getMessage());
    }

    @Test
    void skipNamesTheLayerInTheSkippedStepsLine(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Trainer.Summary summary = train(config(dir, "model_name=TinyFaceNet", "nan_policy=skip", "train_steps=2"),
                NonFiniteStepTest::overflowLayer2, out);
        assertEquals(2, summary.steps());
        String log = out.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("plsc train: step 1 skipped (nan_policy: skip): embedding row 0 on rank 0 is not finite (NaN or Inf); "
                + "first non-finite output: layer2 (ConvBn 64→128, fp32) — its input was finite; 1 in a row"), log);
    }

    @Test
    void aNonFiniteGradientIsNamedByItsParameterAndStopsBeforeTheUpdate(@TempDir Path dir) throws Exception {
        PoisonedBackbone.reset(Set.of(), Set.of(3));
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> train(config(dir)));
        assertTrue(e.getMessage().contains("at step 3: the gradient of poison is not finite"), e.getMessage());
    }

    @Test
    void skipDropsTheStepsUpdateRestoresBatchNormStatisticsAndCountsIt(@TempDir Path dir) throws Exception {
        PoisonedBackbone.reset(Set.of(3), Set.of(5));
        Trainer.Summary summary = train(config(dir, "nan_policy=skip", "max_skipped_steps=1"));
        assertEquals(6, summary.steps());
        assertTrue(Double.isFinite(summary.loss()), "training continues after skipped steps: " + summary.loss());
        List<MetricsEntry> log = MetricsLog.read(dir);
        assertEquals(6, log.size());
        assertEquals(List.of(0.0, 0.0, 1.0, 1.0, 2.0, 2.0), log.stream().map(m -> m.extra().get("skipped_steps")).toList());
        assertTrue(Double.isNaN(log.get(2).loss()), "a skipped step logs no loss");
        assertTrue(Double.isFinite(log.get(3).extra().get("grad_norm")), "grad_norm is logged");
        // the BatchNorm statistics the NaN forward had spoiled were put back: the saved model is finite everywhere
        try (PointerScope scope = new PointerScope()) {
            PoisonedBackbone saved = (PoisonedBackbone) Backbones.create(PoisonedBackbone.class.getName(), 16);
            Checkpoint.open(dir.resolve("checkpoints").resolve("step-00000006")).loadBackbone(saved);
            for (Tensor b : saved.buffers(true).get()) {
                assertTrue(!b.is_floating_point() || Tensors.allFinite(b), "buffers finite");
            }
            for (Tensor p : saved.parameters(true).get()) {
                assertTrue(Tensors.allFinite(p), "parameters finite");
            }
        }
    }

    @Test
    void skipStopsAfterMaxSkippedStepsInARow(@TempDir Path dir) throws Exception {
        PoisonedBackbone.reset(Set.of(3, 4), Set.of());
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> train(config(dir, "nan_policy=skip", "max_skipped_steps=1")));
        assertTrue(e.getMessage().contains("at step 4") && e.getMessage().contains("2 steps in a row skipped"), e.getMessage());
    }

    @Test
    void theConfigRefusesAnUnknownPolicy() {
        ConfigException e = assertThrows(ConfigException.class, () -> config(shared, "nan_policy=ignore"));
        assertTrue(e.getMessage().contains("nan_policy must be one of [stop, skip]"), e.getMessage());
    }

    @Test
    void fsUgiWithAPasswordIsRefusedSoNoConfigDumpHoldsOne() {
        ConfigException e = assertThrows(ConfigException.class, () -> config(shared, "fs_ugi=alice,secret"));
        assertTrue(e.getMessage().contains("fs_ugi takes only the Hadoop user name"), e.getMessage());
        assertEquals("alice", config(shared, "fs_ugi=alice").fsUgi());
    }
}
