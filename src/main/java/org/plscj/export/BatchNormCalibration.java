package org.plscj.export;

import org.bytedeco.pytorch.BatchNorm1dImpl;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.plscj.model.Backbone;

/**
 * Sets every BatchNorm's running statistics to those of one train-mode pass over some images
 * (momentum 1 for that pass, then the previous momentum again), and leaves the backbone in eval mode.
 *
 * <p>why: an untrained deep net in eval mode (running variance 1) overflows — IResNet's convs grow
 * activations ~20× per layer — so benchmarks and export checks of fresh weights would run on
 * infinities (and denormals, which are slow) instead of realistic values.
 */
public final class BatchNormCalibration {
    private BatchNormCalibration() {}

    public static void calibrate(Backbone backbone, Tensor images) {
        Module[] modules = backbone.modules(false).get();
        double[] saved = new double[modules.length];
        setMomentum(modules, null, saved);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            backbone.train(true);
            backbone.forward(images);
        } finally {
            setMomentum(modules, saved, null);
            backbone.eval();
        }
    }

    /** Sets each BatchNorm's momentum to {@code values[i]} (1 when null), first storing the old ones in {@code old}. */
    private static void setMomentum(Module[] modules, double[] values, double[] old) {
        for (int i = 0; i < modules.length; i++) {
            BatchNormOptions o = options(modules[i]);
            if (o == null) {
                continue;
            }
            if (old != null) {
                old[i] = o.momentum().get();
            }
            o.momentum().put(values == null ? 1.0 : values[i]);
        }
    }

    private static BatchNormOptions options(Module m) {
        BatchNorm2dImpl bn2 = m.asBatchNorm2d();
        if (bn2 != null && !bn2.isNull()) {
            return bn2.options();
        }
        BatchNorm1dImpl bn1 = m.asBatchNorm1d();
        return bn1 != null && !bn1.isNull() ? bn1.options() : null;
    }
}
