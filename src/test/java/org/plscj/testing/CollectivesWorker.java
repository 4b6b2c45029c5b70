package org.plscj.testing;

import java.time.Duration;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.plscj.comm.Communicator;
import org.plscj.comm.Communicator.Reduction;
import org.plscj.comm.DistEnv;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;

/**
 * A worker that runs every collective of {@link Communicator} once on rank-dependent values and
 * prints one line per collective with what it received, for {@code CommunicatorTest} to check.
 */
public final class CollectivesWorker {
    private CollectivesWorker() {}

    public static void main(String[] args) {
        Native.load();
        try (Communicator comm = Communicator.connect(DistEnv.fromEnvironment(), Duration.ofSeconds(60))) {
            double r = comm.rank();
            print("allgather", Tensors.toDoubleArray(comm.allGather(Tensor.create(r, 10 + r))));
            Tensor sum = Tensor.create(r, 1.0);
            comm.allReduce(sum, Reduction.SUM);
            print("allreduce_sum", Tensors.toDoubleArray(sum));
            Tensor max = Tensor.create(r, -r);
            comm.allReduce(max, Reduction.MAX);
            print("allreduce_max", Tensors.toDoubleArray(max));
            Tensor min = Tensor.create(r, -r);
            comm.allReduce(min, Reduction.MIN);
            print("allreduce_min", Tensors.toDoubleArray(min));
            // rows of rank q: [q·world + k] for k in 0..world-1; rank r keeps the sum of row r over ranks
            double[] full = new double[comm.worldSize() * 2];
            for (int k = 0; k < full.length; k++) {
                full[k] = 100 * r + k;
            }
            print("reduce_scatter", Tensors.toDoubleArray(comm.reduceScatter(Tensor.create(full).view(comm.worldSize(), 2))));
            Tensor shared = Tensor.create(r * 7, r * 7 + 1);
            comm.broadcast(shared, 1);
            print("broadcast", Tensors.toDoubleArray(shared));
            Tensor a = Tensor.create(r);
            Tensor b = Tensor.create(1.0, 2.0, r);
            comm.allReduceCoalesced(List.of(a, b));
            print("allreduce_coalesced", Tensors.toDoubleArray(Tensors.cat0(a, b)));
            comm.barrier();
            System.out.println("barrier passed");
        }
    }

    private static void print(String what, double[] values) {
        StringBuilder line = new StringBuilder(what);
        for (double v : values) {
            line.append(' ').append((long) v);
        }
        System.out.println(line);
    }
}
