package org.plscj.head;

import static org.plscj.tensor.Tensors.col;
import static org.plscj.tensor.Tensors.rowNorms;
import static org.plscj.tensor.Tensors.scalar;

import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;

/**
 * The head's loss computed the plain way, on one device with the whole classifier, and
 * differentiated by libtorch's autograd: the independent reference that the distributed head must
 * equal. It shares no code with {@link BlockedSoftmaxStep}.
 */
public final class SingleDeviceReference {
    /**
     * @param gradX    ∂loss/∂X [N, D]
     * @param gradW    ∂loss/∂W [C, D] (zero outside the sampled classes)
     * @param gradBias ∂loss/∂b [C] for softmax, else null
     */
    public record Result(double loss, double accuracy, Tensor gradX, Tensor gradW, Tensor gradBias) {}

    private SingleDeviceReference() {}

    /**
     * @param x       all rows' embeddings [N, D]
     * @param labels  [N] global class ids
     * @param w       the whole classifier [C, D]
     * @param bias    [C] (softmax) or null
     * @param classes the sorted global ids the logits run over (Partial FC), or null for all
     */
    public static Result compute(HeadConfig config, Tensor x, Tensor labels, Tensor w, Tensor bias, long[] classes) {
        Tensor xl = x.detach().clone().requires_grad_(true);
        Tensor wl = w.detach().clone().requires_grad_(true);
        Tensor bl = bias == null ? null : bias.detach().clone().requires_grad_(true);
        Tensor y = labels;
        Tensor ws = wl;
        Tensor bs = bl;
        if (classes != null) {
            Tensor index = Tensors.longs(Placement.CPU_FLOAT, classes);
            ws = wl.index_select(0, index);
            bs = bl == null ? null : bl.index_select(0, index);
            y = torch.searchsorted(index, labels);
        }
        Tensor logits;
        Tensor plain;
        if (config.lossType().normalised()) {
            Margin m = config.margin();
            Tensor cos = xl.div(col(rowNorms(xl))).mm(ws.div(col(rowNorms(ws))).t());
            Tensor t = cos.gather(1, col(y)).view(-1);
            Tensor tc = t.clamp(new ScalarOptional(scalar(-1 + Margin.CLAMP)), new ScalarOptional(scalar(1 - Margin.CLAMP)));
            Tensor angle = tc.acos().mul(scalar(m.m1())).add(scalar(m.m2()));
            Tensor psi = torch.where(angle.le(scalar(Math.PI)), angle.cos(), tc.sub(scalar(m.kappa()))).sub(scalar(m.m3()));
            Tensor negatives = cos;
            if (config.filtersInterclass()) {
                // arcface_torch's losses.py: the mask is found on detached values (no_grad) and never covers the target,
                // so masked_fill makes those logits constants whose gradient autograd sets to 0
                Tensor dirty = cos.detach().gt(scalar(config.interclassFilteringThreshold())).scatter(1, col(y), scalar(0));
                negatives = cos.masked_fill(dirty, scalar(0));
            }
            logits = negatives.scatter(1, col(y), col(psi)).mul(scalar(m.scale()));
            plain = cos;
        } else {
            logits = xl.mm(ws.t()).add(bs);
            plain = logits;
        }
        Tensor loss = torch.cross_entropy(logits, y);
        double accuracy = plain.argmax(new org.bytedeco.pytorch.LongOptional(1), false).eq(y).to(x.scalar_type()).mean().item_double();
        loss.backward();
        return new Result(loss.item_double(), accuracy, xl.grad(), wl.grad(), bl == null ? null : bl.grad());
    }
}
