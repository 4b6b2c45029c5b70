package org.plscj.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Tensor;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.Checkpoint.FileCheck;
import org.plscj.checkpoint.Checkpoint.FileState;
import org.plscj.checkpoint.CheckpointMeta;
import org.plscj.checkpoint.TorchFile;
import org.plscj.tensor.Native;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code plsc inspect}: what a checkpoint holds, and whether every file matches its checksum. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = {
            "Prints what a checkpoint holds: the manifest's fields, every file with its size and checksum status",
            "(OK, BAD, MISSING, UNREADABLE), and each head shard's class range and tensor shapes.",
            "Exits 0 when every file is intact, 2 otherwise (or when DIR is not a checkpoint).",
            "",
            "  plsc inspect saved_model/checkpoints/step-00010000"
        })
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "A checkpoint directory (step-* with meta.json).")
    Path dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Native.load();
        PrintWriter out = spec.commandLine().getOut();
        CheckpointMeta meta = Checkpoint.readMeta(dir);
        out.printf("checkpoint %s%n  model_name %s, loss_type %s, emb_dim %d, num_classes %d%n  step %d, epoch %d, lr %s, world_size %d%n",
                dir, meta.modelName(), meta.lossType(), meta.embDim(), meta.numClasses(), meta.step(), meta.epoch(), meta.lr(),
                meta.worldSize());
        List<FileCheck> checks = Checkpoint.checkFiles(dir, meta);
        out.println("files:");
        for (FileCheck c : checks) {
            out.printf("  %-28s %12s  %s%n", c.file().getFileName(), c.bytes() < 0 ? "-" : c.bytes() + " B", c.state());
            if (c.state() == FileState.OK && c.file().getFileName().toString().startsWith("head-rank-")) {
                out.println("    " + describeShard(c.file()));
            }
        }
        long bad = checks.stream().filter(c -> c.state() != FileState.OK).count();
        checks.stream().filter(c -> c.state() != FileState.OK).forEach(c -> out.println("error: " + c.detail()));
        out.println(bad == 0 ? "all " + checks.size() + " files OK" : bad + " of " + checks.size() + " files are not intact");
        out.flush();
        return bad == 0 ? 0 : Plsc.BAD_INPUT;
    }

    /** "classes [7, 13): weight [6, 16], momentum [6, 16]" — read from the file itself, not the manifest. */
    private static String describeShard(Path file) {
        try {
            return Scoped.compute(() -> {
                Map<String, Object> saved = TorchFile.read(file);
                long start = (Long) saved.get("class_start");
                long count = (Long) saved.get("class_count");
                StringBuilder line = new StringBuilder("classes [" + start + ", " + (start + count) + ")");
                for (Map.Entry<String, Object> e : saved.entrySet()) {
                    if (e.getValue() instanceof Tensor t) {
                        line.append(", ").append(e.getKey()).append(' ').append(Arrays.toString(Tensors.shape(t)));
                    }
                }
                return line.toString();
            });
        } catch (IOException | RuntimeException e) {
            return "unreadable: " + e.getMessage();
        }
    }
}
