package org.plscj.export;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.CheckpointStore;
import org.plscj.checkpoint.TorchFile;
import org.plscj.model.Backbone;
import org.plscj.tensor.Tensors;

/**
 * Loads a PyTorch {@code state_dict} saved with {@code torch.save} (arcface_torch's {@code backbone.pth}
 * for IResNet18…100, MobileFaceNet and ViT-T/ViT-S) into one of our backbones.
 *
 * <p>The name mapping is derived, not tabulated: a state_dict lists each module's tensors together,
 * modules in registration order, and our built-ins register their layers in arcface_torch's order
 * (IResNet: conv1 bn1 prelu, per block bn1 conv1 bn2 prelu conv2 bn3 downsample.0/.1, then bn2 fc
 * features; MobileFaceNet: conv → BN → PReLU triples in {@code layers.*}, conv_sep, GDC; ViT: arcface_torch's own names). So the
 * k-th tensor-owning module of the file maps to our k-th one, and every pairing is checked: the same
 * tensor kinds (weight, bias, running_mean, …) with the same shapes, so a file of another architecture
 * is refused with the first module that differs. A DistributedDataParallel {@code module.} prefix is dropped.
 */
public final class PyTorchImport {
    private static final String DDP_PREFIX = "module.";
    /** PLSC's pixel std: the loader and every engine give a backbone (x − 127.5)/128 (data.ImageDecoder). */
    public static final double PLSC_INPUT_STD = 128;
    /**
     * The pixel std of arcface_torch's models and insightface's model zoo: (x − 127.5)/127.5 (arcface_torch's
     * {@code dataset.py} Normalize(0.5, 0.5), {@code eval_ijbc.py}, {@code onnx_helper.py}'s input_std).
     */
    public static final double ARCFACE_TORCH_INPUT_STD = 127.5;

    private PyTorchImport() {}

    /** Reads {@code file} and copies its tensors into {@code backbone}; returns our name → the file's name. */
    public static Map<String, String> load(Backbone backbone, Path file) throws IOException {
        Map<String, Object> saved = TorchFile.read(file);
        Map<String, String> names = nameMap(backbone, saved, file);
        Map<String, Object> renamed = new LinkedHashMap<>();
        names.forEach((ours, theirs) -> renamed.put(ours, saved.get(theirs)));
        Checkpoint.copyInto(backbone, renamed, file);
        return names;
    }

    /**
     * Makes a backbone trained on pixels (x − 127.5)/{@code trainedStd} take PLSC's (x − 127.5)/128, as every bundle and
     * engine feeds it: the first convolution is linear in its input (zero padding stays zero), so W·(k·x) = (k·W)·x with
     * k = 128/trainedStd — its weight is scaled once and the bias, if any, kept. arcface_torch trains on
     * (x − 127.5)/127.5 (its {@code dataset.py}: Normalize(0.5, 0.5)).
     *
     * @return the name of the weight scaled (none when {@code trainedStd} is 128)
     */
    public static Optional<String> foldInputStd(Backbone backbone, double trainedStd) {
        if (!(trainedStd > 0)) {
            throw new IllegalArgumentException("the input std must be positive, got " + trainedStd);
        }
        if (trainedStd == PLSC_INPUT_STD) {
            return Optional.empty();
        }
        for (Map.Entry<String, Tensor> e : CheckpointStore.stateDict(backbone).entrySet()) {
            if (e.getKey().endsWith("weight") && e.getValue().dim() == 4) {
                try (NoGradGuard noGrad = new NoGradGuard()) {
                    e.getValue().mul_(new Scalar(PLSC_INPUT_STD / trainedStd));
                }
                return Optional.of(e.getKey());
            }
        }
        throw new IllegalArgumentException(backbone.modelName() + " has no convolution to take the input scale");
    }

    /** Pairs our state_dict names with those of {@code saved}, module by module (see the class comment). */
    static Map<String, String> nameMap(Backbone backbone, Map<String, Object> saved, Path file) {
        List<Module> ours = modules(new LinkedHashMap<>(CheckpointStore.stateDict(backbone)), "");
        boolean ddp = saved.keySet().stream().allMatch(k -> k.startsWith(DDP_PREFIX));
        List<Module> theirs = modules(saved, ddp ? DDP_PREFIX : "");
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < Math.max(ours.size(), theirs.size()); i++) {
            if (i >= ours.size() || i >= theirs.size()) {
                throw new IllegalArgumentException(file + " does not fit " + backbone.modelName() + ": it has " + theirs.size()
                        + " modules with tensors, " + backbone.modelName() + " has " + ours.size() + "; the first unmatched is "
                        + (i < ours.size() ? "ours '" + ours.get(i).name + "'" : "the file's '" + theirs.get(i).name + "'"));
            }
            Module a = ours.get(i);
            Module b = theirs.get(i);
            if (!a.signature().equals(b.signature())) {
                throw new IllegalArgumentException(file + " does not fit " + backbone.modelName() + " at module #" + i + ": ours '"
                        + a.name + "' holds " + a.signature() + ", the file's '" + b.name + "' holds " + b.signature());
            }
            a.tensors.keySet().forEach(kind -> out.put(a.key(kind), b.key(kind)));
        }
        return out;
    }

    /** One module's tensors by kind (the last name component), in a state_dict's order. */
    private record Module(String name, String prefix, Map<String, Tensor> tensors) {
        String key(String kind) {
            return prefix + (name.isEmpty() ? "" : name + ".") + kind;
        }

        /** Kinds and shapes, e.g. {weight=[64, 3, 3, 3]}. */
        String signature() {
            Map<String, String> s = new TreeMap<>();
            tensors.forEach((k, t) -> s.put(k, Arrays.toString(Tensors.shape(t))));
            return s.toString();
        }
    }

    /** Groups a state_dict's tensors by owning module, modules in order of first appearance. */
    private static List<Module> modules(Map<String, Object> stateDict, String prefix) {
        Map<String, Module> byName = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : stateDict.entrySet()) {
            if (!(e.getValue() instanceof Tensor t)) {
                continue;
            }
            String key = e.getKey().substring(prefix.length());
            int dot = key.lastIndexOf('.');
            String module = dot < 0 ? "" : key.substring(0, dot);
            byName.computeIfAbsent(module, m -> new Module(m, prefix, new LinkedHashMap<>())).tensors.put(key.substring(dot + 1), t);
        }
        return new ArrayList<>(byName.values());
    }
}
