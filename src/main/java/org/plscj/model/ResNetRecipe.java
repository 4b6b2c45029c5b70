package org.plscj.model;

/**
 * What distinguishes the face ResNets built by {@link FaceResNet}: blocks per stage, block kind,
 * normalisation style, dropout before the embedding, and the references' initialisation.
 */
record ResNetRecipe(int[] depths, boolean bottleneck, NormStyle style, double dropout, boolean frozenFeatureScale,
        WeightInit init) {

    /** arcface_torch IResNet (dropout 0, embedding BN with γ fixed at 1). */
    static ResNetRecipe iresnet(int... depths) {
        return new ResNetRecipe(depths, false, NormStyle.ARCFACE, 0.0, true, WeightInit.IRESNET);
    }

    static final ResNetRecipe IRESNET18 = iresnet(2, 2, 2, 2);
    static final ResNetRecipe IRESNET34 = iresnet(3, 4, 6, 3);
    static final ResNetRecipe IRESNET50 = iresnet(3, 4, 14, 3);
    static final ResNetRecipe IRESNET100 = iresnet(3, 13, 30, 3);

    /**
     * PLSC v1 ResNet (its Paddle fluid code): basic blocks below 101 layers, bottlenecks from 101;
     * dropout 0.4. The bottlenecks are only 16…128 channels wide inside, so ResNet101/152 have
     * fewer parameters than ResNet50 (15.5 M, 16.5 M vs 43.6 M), as in PLSC v1; PLSC's later
     * Paddle 2 code builds basic blocks at every depth instead.
     */
    static ResNetRecipe plsc(int layers, int... depths) {
        return new ResNetRecipe(depths, layers >= 101, NormStyle.PLSC, 0.4, false, WeightInit.FAN_OUT_NORMAL);
    }

    static final ResNetRecipe RESNET50 = plsc(50, 3, 4, 14, 3);
    static final ResNetRecipe RESNET101 = plsc(101, 3, 4, 23, 3);
    static final ResNetRecipe RESNET152 = plsc(152, 3, 8, 36, 3);

    ResidualBlock block(long in, long out, long stride) {
        return bottleneck ? ResidualBlock.bottleneck(style, in, out, stride) : ResidualBlock.basic(style, in, out, stride);
    }
}
