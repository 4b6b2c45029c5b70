package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.plscj.comm.Communicator;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;
import org.plscj.testing.UnusedParameterBackbone;

/**
 * When the buckets' all-reduces start: during the backward pass, each as soon as its gradients are there (the hooks on
 * the gradient accumulators), or after it for a bucket waiting for a gradient that never comes. One process: the
 * all-reduces are identities, what is observed is when they are started.
 */
class BucketStartTest {
    private static int startedDuringBackward(Backbone backbone, GradientBuckets buckets) {
        try (PointerScope scope = new PointerScope()) {
            backbone.train(true);
            backbone.zero_grad(true);
            var embeddings = backbone.forward(Tensors.randn(Placement.CPU_FLOAT, 2, 3, 112, 112));
            GradientBuckets.Round round = buckets.start();
            embeddings.sum().backward();
            return round.finish();
        }
    }

    @Test
    void everyBucketStartsDuringBackwardWhenEveryParameterGetsAGradient() {
        Native.load();
        try (Backbone backbone = Backbones.create("TinyFaceNet", 16)) {
            GradientBuckets buckets = new GradientBuckets(backbone, Communicator.single(), 20_000);
            assertTrue(buckets.buckets() >= 3, "buckets: " + buckets.buckets());
            assertEquals(buckets.buckets(), startedDuringBackward(backbone, buckets));
            assertEquals(buckets.buckets(), startedDuringBackward(backbone, buckets), "the next step's hooks fire too");
        }
    }

    @Test
    void bucketsWaitInOrderBehindOneWhoseParameterGetsNoGradient() {
        Native.load();
        try (Backbone backbone = new UnusedParameterBackbone(16)) {
            // every parameter in a bucket of its own; the unused layer's (registered last) are the first two buckets
            GradientBuckets buckets = new GradientBuckets(backbone, Communicator.single(), 1);
            assertEquals(6, buckets.buckets());
            assertEquals(0, startedDuringBackward(backbone, buckets), "the first bucket never fills, and the others start after it");
            try (PointerScope scope = new PointerScope()) {
                for (var p : backbone.parameters(true).get()) {
                    assertTrue(p.grad().defined(), "every parameter has a gradient after finish (zeros for the unused one)");
                }
            }
        }
    }
}
