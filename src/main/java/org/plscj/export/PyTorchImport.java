package org.plscj.export;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
