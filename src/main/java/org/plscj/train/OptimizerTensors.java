package org.plscj.train;

import static org.plscj.tensor.Tensors.shape;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.StringTensorDictItem;
import org.bytedeco.pytorch.Tensor;
import org.plscj.tensor.Scoped;

/** What the backbone's optimizers share: their parameters by name, and loading a saved state into theirs. */
final class OptimizerTensors {
    private OptimizerTensors() {}

    /**
     * The backbone's parameters that require a gradient, by name, each a handle of its own held beyond any scope
     * (release with {@link Scoped#release}). Parameters that need none (e.g. IResNet's fixed feature-BN scale) are left out.
     */
    static Map<String, Tensor> trainable(Module backbone) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        StringTensorDict named = backbone.named_parameters(true);
        for (long i = 0; i < named.size(); i++) {
            StringTensorDictItem item = named.get(i);
            if (item.value().requires_grad()) {
                // why a handle of its own: value() points INTO the temporary dict (a SIGSEGV under glibc malloc)
                out.put(item.key().getString(), Scoped.holdHandle(item.value()));
            }
        }
        return out;
    }

    /**
     * Copies {@code saved}'s entry of every key of {@code state} into it; a missing or misshapen entry is refused.
     *
     * @param missing what the state lacks, named by key, for the error ("momentum for parameter 'x'")
     * @param entry   an entry named by key, for the error ("momentum of 'x'")
     */
    static void load(Map<String, Tensor> state, Map<String, Tensor> saved, UnaryOperator<String> missing, UnaryOperator<String> entry) {
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            Tensor s = saved.get(e.getKey());
            if (s == null) {
                throw new IllegalArgumentException("the saved optimizer state has no " + missing.apply(e.getKey()));
            }
            if (!Arrays.equals(shape(s), shape(e.getValue()))) {
                throw new IllegalArgumentException("the saved " + entry.apply(e.getKey()) + " has shape " + Arrays.toString(shape(s))
                        + ", expected " + Arrays.toString(shape(e.getValue())));
            }
            try (NoGradGuard noGrad = new NoGradGuard()) {
                e.getValue().copy_(s);
            }
        }
    }

    /** Releases and forgets every tensor of the maps. */
    @SafeVarargs
    static void release(Map<String, Tensor>... maps) {
        for (Map<String, Tensor> map : maps) {
            map.values().forEach(Scoped::release);
            map.clear();
        }
    }
}
