package org.plscj.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.Tensor;

/**
 * The reference implementations' weight initialisations. BatchNorm (γ=1, β=0) and PReLU (0.25)
 * already start as every reference wants; only convolutions (4-D weights) and the embedding
 * layer ({@code fc}) differ.
 */
enum WeightInit {
    /** arcface_torch IResNet: conv W ~ N(0, 0.1²); the Linear keeps PyTorch's default. */
    IRESNET {
        @Override
        void initialise(String name, Tensor p) {
            if (p.dim() == 4) {
                p.normal_(0, 0.1, null);
            }
        }
    },
    /**
     * W ~ N(0, 2/fan_out) for conv and fc, fc bias 0: arcface_torch MobileFaceNet's
     * kaiming_normal_(mode='fan_out', relu), and also PLSC v1's XavierNormal(fan_in=0.0), since
     * Xavier's variance 2/(fan_in + fan_out) with the fan-in forced to 0 is 2/fan_out.
     */
    FAN_OUT_NORMAL {
        @Override
        void initialise(String name, Tensor p) {
            if (p.dim() == 4 || name.endsWith("fc.weight")) {
                // fan_out = out channels × kernel area (PyTorch ignores groups here)
                double fanOut = p.size(0) * (p.dim() == 4 ? p.size(2) * p.size(3) : 1);
                p.normal_(0, Math.sqrt(2.0 / fanOut), null);
            } else if (name.endsWith("fc.bias")) {
                p.zero_();
            }
        }
    },
    /**
     * arcface_torch's ViT: linear weights, pos_embed and mask_token N(0, 0.02²) (their trunc_normal_ cuts at ±2, i.e.
     * 100 σ: never), every bias but the patch convolution's 0; LayerNorm and BatchNorm start at (1, 0) already.
     */
    VIT {
        @Override
        void initialise(String name, Tensor p) {
            if (name.startsWith("patch_embed.")) {
                return;
            }
            if (p.dim() >= 2) {
                p.normal_(0, 0.02, null);
            } else if (name.endsWith(".bias")) {
                p.zero_();
            }
        }
    };

    abstract void initialise(String name, Tensor parameter);

    /** Initialises every parameter of {@code root} in place. */
    void apply(Module root) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            StringTensorDict named = root.named_parameters();
            StringVector names = named.keys();
            for (long i = 0; i < names.size(); i++) {
                String name = names.get(i).getString();
                initialise(name, named.get(name));
            }
        }
    }
}
