package org.plscj.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.plscj.comm.Communicator;
import org.plscj.train.TrainConfig;
import org.plscj.train.TrainConfigLoader;
import org.plscj.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = {
            "Trains a backbone (data parallel) with a model-parallel classification head, PLSC-style.",
            "",
            "The config is one YAML file with PLSC's key names (model_name, loss_type, emb_dim, num_classes,",
            "train_batch_size, lr, lr_steps, dataset_dir, model_save_dir, ...); any key can be overridden as KEY=VALUE.",
            "One process trains alone; under 'plsc launch --nproc N' (or torchrun-style variables) N workers train together.",
            "",
            "  plsc train --config recipes/demo.yaml train_steps=200 lr=0.05",
            "  plsc launch --nproc 2 -- train --config my.yaml --resume",
            "  plsc train --config my.yaml checkpoint_dir=old/checkpoints/step-00090000 num_classes=95000 grow_classes=true"
        })
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "The YAML config; keys it leaves out take PLSC's defaults (README: Configuration).")
    Path config;

    @Option(names = "--resume", description = "Continue from the newest complete checkpoint under model_save_dir.")
    boolean resume;

    @Option(names = "--force", description = {"Start a fresh run in a model_save_dir that holds another run's checkpoints: they,",
        "best/ and metrics.jsonl are moved into model_save_dir/replaced-<time>/ (remote checkpoints are deleted).",
        "Without it such a directory is refused."})
    boolean force;

    @Parameters(paramLabel = "KEY=VALUE", arity = "0..*", description = "Overrides of config keys, e.g. lr=0.05 lr_steps=[1000,2000].")
    List<String> overrides = new ArrayList<>();

    @Mixin
    WorkerOptions worker;

    @Override
    public Integer call() throws Exception {
        if (!worker.device.equals("cpu")) {
            // why refuse: the trainer places the backbone and the head on the CPU; a silently ignored device would
            // let a user believe a GPU trains
            throw new IllegalArgumentException("--device " + worker.device + ": plsc train runs on the CPU only in this build"
                    + " (plsc check takes cuda for the head)");
        }
        TrainConfig resolved = TrainConfigLoader.load(config, overrides);
        try (Communicator comm = worker.connect(); Trainer trainer = new Trainer(resolved, comm, resume, force, System.out)) {
            Trainer.Summary summary = trainer.run();
            if (comm.rank() == 0) {
                System.out.printf("plsc train: done after %d steps, loss %.4f; checkpoint %s%n", summary.steps(), summary.loss(),
                        summary.lastCheckpoint());
            }
        }
        return 0;
    }
}
