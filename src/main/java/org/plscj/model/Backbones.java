package org.plscj.model;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.plscj.tensor.Scoped;

/**
 * Builds backbones by name: the built-in face networks, or any {@link Backbone} subclass named by
 * its fully qualified class name (it needs a public constructor taking {@code int embDim}).
 *
 * <p>Built-ins: PLSC v1's ResNet50/101/152, arcface_torch's IResNet18/34/50/100 (aliases r18, r34,
 * r50, r100) and MobileFaceNet (alias mbf), and MobileFaceNetLite, the demo's small backbone
 * (MobileFaceNet with blocks (1, 2, 2, 1) and half the stage widths: twice its training
 * throughput on 2 CPU threads), and arcface_torch's Vision Transformers ViT-T and ViT-S (aliases vit_t, vit_s). Their
 * WebFace42M networks {@code vit_t_dp005_mask0} and {@code vit_s_dp005_mask_0} are accepted too: ViT-T and ViT-S trained
 * with drop path 0.05 instead of 0.1 (the "mask0" is mask_ratio 0, our default).
 */
public final class Backbones {
    /** Canonical names in the order they are listed, with their builders. */
    private static final Map<String, IntFunction<Backbone>> BUILT_IN = new LinkedHashMap<>();
    /** Lower-case name or alias → canonical name. */
    private static final Map<String, String> LOOKUP = new LinkedHashMap<>();
    /** arcface_torch network names of a built-in trained with other settings → builders; the model keeps the built-in's name. */
    private static final Map<String, IntFunction<Backbone>> VARIANTS = new LinkedHashMap<>();

    static {
        resnet("ResNet50", ResNetRecipe.RESNET50);
        resnet("ResNet101", ResNetRecipe.RESNET101);
        resnet("ResNet152", ResNetRecipe.RESNET152);
        resnet("IResNet18", ResNetRecipe.IRESNET18, "r18");
        resnet("IResNet34", ResNetRecipe.IRESNET34, "r34");
        resnet("IResNet50", ResNetRecipe.IRESNET50, "r50");
        resnet("IResNet100", ResNetRecipe.IRESNET100, "r100");
        register("MobileFaceNet", emb -> new MobileFaceNet("MobileFaceNet", emb, MobileFaceNet.STANDARD), "mbf");
        register("MobileFaceNetLite", emb -> new MobileFaceNet("MobileFaceNetLite", emb, MobileFaceNet.LITE));
        register("TinyFaceNet", TinyFaceNet::new);
        register("ViT-T", emb -> new VisionTransformer("ViT-T", emb, ViTRecipe.VIT_T), "vit_t");
        register("ViT-S", emb -> new VisionTransformer("ViT-S", emb, ViTRecipe.VIT_S), "vit_s");
        // why variants, not built-ins: the same architecture and weights (a bundle of one serves as ViT-T), only training differs
        VARIANTS.put("vit_t_dp005_mask0", emb -> new VisionTransformer("ViT-T", emb, ViTRecipe.VIT_T_DP005));
        VARIANTS.put("vit_s_dp005_mask_0", emb -> new VisionTransformer("ViT-S", emb, ViTRecipe.VIT_S_DP005));
    }

    private Backbones() {}

    private static void resnet(String name, ResNetRecipe recipe, String... aliases) {
        register(name, emb -> new FaceResNet(name, emb, recipe), aliases);
    }

    private static void register(String name, IntFunction<Backbone> builder, String... aliases) {
        BUILT_IN.put(name, builder);
        LOOKUP.put(name.toLowerCase(Locale.ROOT), name);
        for (String alias : aliases) {
            LOOKUP.put(alias.toLowerCase(Locale.ROOT), name);
        }
    }

    /** The built-in names (their aliases, e.g. r50, mbf, vit_t, are accepted too). */
    public static List<String> builtInNames() {
        return List.copyOf(BUILT_IN.keySet());
    }

    /**
     * A new backbone: a built-in name (case-insensitive) or a fully qualified class name.
     *
     * @throws IllegalArgumentException for an unknown name, or a class that is not a Backbone or
     *     lacks a public {@code (int embDim)} constructor
     */
    public static Backbone create(String modelName, int embDim) {
        String key = modelName.trim().toLowerCase(Locale.ROOT);
        String canonical = LOOKUP.get(key);
        if (canonical != null) {
            return BUILT_IN.get(canonical).apply(embDim);
        }
        IntFunction<Backbone> variant = VARIANTS.get(key);
        if (variant != null) {
            return variant.apply(embDim);
        }
        if (!modelName.contains(".")) {
            throw new IllegalArgumentException("unknown model_name '" + modelName + "': use one of " + builtInNames()
                    + " (or " + aliases() + "), or the fully qualified class name of a Backbone subclass");
        }
        return createCustom(modelName.trim(), embDim);
    }

    /** The lower-case aliases that are not a canonical name, then the variants, in registration order. */
    private static List<String> aliases() {
        return Stream.concat(LOOKUP.entrySet().stream().filter(e -> !e.getKey().equals(e.getValue().toLowerCase(Locale.ROOT)))
                .map(Map.Entry::getKey), VARIANTS.keySet().stream()).toList();
    }

    private static Backbone createCustom(String className, int embDim) {
        Class<?> type;
        try {
            ClassLoader context = Thread.currentThread().getContextClassLoader();
            type = Class.forName(className, true, context != null ? context : Backbones.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("unknown model_name '" + className + "': no such class on the classpath, "
                    + "and not one of the built-in names " + builtInNames(), e);
        }
        if (!Backbone.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException("model_name class " + className + " does not extend "
                    + Backbone.class.getName());
        }
        Constructor<?> constructor;
        try {
            constructor = type.getConstructor(int.class);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("model_name class " + className
                    + " needs a public constructor taking the embedding size: public " + type.getSimpleName()
                    + "(int embDim)", e);
        }
        try {
            return (Backbone) constructor.newInstance(embDim);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("model_name class " + className + " failed to construct: "
                    + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("model_name class " + className + " cannot be instantiated: " + e, e);
        }
    }

    /** Elements of the parameters that train (requires_grad). */
    public static long trainableParameterCount(Module m) {
        // why a scope: the Tensors point into the temporary vector, which the scope keeps alive while we read them
        return Scoped.compute(() -> {
            long n = 0;
            for (Tensor p : m.parameters().get()) {
                n += p.requires_grad() ? p.numel() : 0;
            }
            return n;
        });
    }

    /** Elements of all parameters, frozen ones included. */
    public static long parameterCount(Module m) {
        return Scoped.compute(() -> sum(m.parameters().get()));
    }

    /** Elements of everything a checkpoint holds: parameters and buffers (BN running statistics). */
    public static long stateCount(Module m) {
        return Scoped.compute(() -> parameterCount(m) + sum(m.buffers().get()));
    }

    private static long sum(Tensor[] tensors) {
        long n = 0;
        for (Tensor t : tensors) {
            n += t.numel();
        }
        return n;
    }
}
