package org.plscj.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.plscj.checkpoint.CheckpointMeta;
import org.plscj.checkpoint.Reshard;
import org.plscj.tensor.Native;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "reshard",
        mixinStandardHelpOptions = true,
        description = {
            "Rewrites a checkpoint saved by N workers for M workers, offline: each new head shard is cut from the old",
            "shards that overlap its class range (W, momentum, bias); the other files are copied, checksums recomputed.",
            "Training also reshards on load; this makes the files match a new world size once, ahead of time.",
            "",
            "  plsc reshard --from saved_model/checkpoints/step-00010000 --to resharded/step-00010000 --nranks 8"
        })
final class ReshardCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, paramLabel = "DIR", description = "A complete checkpoint (step-* directory with meta.json).")
    Path from;

    @Option(names = "--to", required = true, paramLabel = "DIR", description = "The new checkpoint directory; must not exist.")
    Path to;

    @Option(names = "--nranks", required = true, paramLabel = "M", description = "The new number of workers.")
    int nranks;

    @Mixin
    ProgressOptions progress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Native.load();
        CheckpointMeta meta = Reshard.run(from, to, nranks, progress.progress());
        spec.commandLine().getOut().printf("plsc reshard: %s (step %d, %d classes) → %s on %d worker(s)%n", from, meta.step(), meta.numClasses(), to,
                meta.worldSize());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
