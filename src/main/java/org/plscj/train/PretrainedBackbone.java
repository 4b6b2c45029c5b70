package org.plscj.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.CheckpointException;
import org.plscj.checkpoint.CheckpointMeta;
import org.plscj.checkpoint.TorchFile;
import org.plscj.comm.Communicator;
import org.plscj.export.BundleMeta;
import org.plscj.export.PyTorchImport;
import org.plscj.model.Backbone;

/**
 * pretrained_model: the backbone a fine-tuning run starts from, read by rank 0 (the others receive it with the
 * start-of-run broadcast): one of our checkpoint directories (only its backbone.pt: any class count, any worker
 * count), an inference bundle of {@code plsc export} / {@code plsc import} (its model.json and backbone.pt, the
 * fingerprint checked) or a PyTorch state_dict file such as arcface_torch's backbone.pth, paired with our modules as {@code plsc import}
 * pairs it ({@link PyTorchImport}). Every rank learns of a refusal, which names the key and the first mismatch.
 */
final class PretrainedBackbone {
    private PretrainedBackbone() {}

    static void load(TrainConfig config, Backbone backbone, Communicator comm) {
        String refusal = null;
        if (comm.rank() == 0) {
            try {
                loadOnRankZero(Path.of(config.pretrainedModel()), backbone, config);
            } catch (ConfigException e) {
                refusal = e.getMessage();
            }
        }
        Communicator.Failure failure = comm.agreeOnFailure(refusal);
        if (failure != null) {
            throw new ConfigException("pretrained_model", failure.message());
        }
    }

    private static void loadOnRankZero(Path path, Backbone backbone, TrainConfig config) {
        if (!Files.exists(path)) {
            throw new ConfigException("pretrained_model", "pretrained_model " + path + " does not exist (expected a checkpoint directory"
                    + " or a PyTorch state_dict file)");
        }
        try {
            if (Files.isRegularFile(path.resolve(BundleMeta.FILE))) {
                BundleMeta meta = BundleMeta.read(path);
                refuseOtherModel(path, meta.modelName(), meta.embDim(), backbone, config);
                meta.checkedFingerprint(path);
                Path weights = path.resolve(BundleMeta.BACKBONE);
                Checkpoint.copyInto(backbone, TorchFile.read(weights), weights);
            } else if (Files.isDirectory(path)) {
                Checkpoint c = Checkpoint.open(path);
                CheckpointMeta meta = c.meta();
                refuseOtherModel(path, meta.modelName(), meta.embDim(), backbone, config);
                c.loadBackbone(backbone);
            } else {
                // a state_dict is taken as arcface_torch's, trained on (x − 127.5)/127.5: folded as plsc import does, so the run
                // starts from the model's own embeddings of our (x − 127.5)/128 pixels
                PyTorchImport.load(backbone, path);
                PyTorchImport.foldInputStd(backbone, PyTorchImport.ARCFACE_TORCH_INPUT_STD);
            }
        } catch (CheckpointException | IllegalArgumentException | IOException e) {
            throw new ConfigException("pretrained_model", "pretrained_model " + path + " is not a " + backbone.modelName()
                    + " backbone: " + e.getMessage(), e);
        }
    }

    /** A checkpoint or bundle says what it holds: refused before reading its weights when that is not this run's backbone. */
    private static void refuseOtherModel(Path path, String modelName, int embDim, Backbone backbone, TrainConfig config) {
        if (!modelName.equals(backbone.modelName()) || embDim != config.embDim()) {
            throw new ConfigException("pretrained_model", "pretrained_model " + path + " holds a " + modelName + " with emb_dim "
                    + embDim + ", this run trains a " + backbone.modelName() + " with emb_dim " + config.embDim());
        }
    }
}
