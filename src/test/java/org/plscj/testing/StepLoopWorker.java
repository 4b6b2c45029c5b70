package org.plscj.testing;

import java.time.Duration;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.comm.CommunicationException;
import org.plscj.comm.Communicator;
import org.plscj.comm.DistEnv;
import org.plscj.head.HeadConfig;
import org.plscj.head.HeadResult;
import org.plscj.head.LossType;
import org.plscj.head.PartialFC;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;

/**
 * A worker for the failure tests: runs head steps in a loop, printing "step k" after each, and
 * can feed bad input on one rank. Args: classes steps timeoutSeconds [badKind badRank], badKind
 * one of labels, nan, batch. Exits 3 on a lost peer, 2 on bad input, as the CLI does.
 */
public final class StepLoopWorker {
    private StepLoopWorker() {}

    public static void main(String[] args) {
        long classes = Long.parseLong(args[0]);
        int steps = Integer.parseInt(args[1]);
        int timeout = Integer.parseInt(args[2]);
        String bad = args.length > 3 ? args[3] : "";
        int badRank = args.length > 4 ? Integer.parseInt(args[4]) : -1;
        Native.load();
        DistEnv env = DistEnv.fromEnvironment();
        try (Communicator comm = Communicator.connect(env, Duration.ofSeconds(timeout));
                PartialFC head = new PartialFC(HeadConfig.of(classes, 64, LossType.ARCFACE), comm)) {
            boolean badHere = comm.rank() == badRank;
            for (int step = 0; step < steps; step++) {
                try (PointerScope scope = new PointerScope()) {
                    int batch = badHere && bad.equals("batch") ? 7 : 8;
                    GeneratorOptional gen = new GeneratorOptional(torch.createCPUGenerator(step * 31L + comm.rank()));
                    Tensor x = torch.empty(new long[] {batch, 64}, Placement.CPU_FLOAT.floats(), null).normal_(0, 1, gen);
                    Tensor y = torch.empty(new long[] {batch}, Placement.CPU_FLOAT.longs(), null).random_(0, new LongOptional(classes), gen);
                    if (badHere && bad.equals("labels")) {
                        y.put_(Tensor.create(3L), Tensor.create(classes + 5));
                    }
                    if (badHere && bad.equals("nan")) {
                        x.put_(Tensor.create(70L), Tensor.create(Float.NaN));
                    }
                    HeadResult r = head.step(x, y, 0.1);
                    System.out.println("step " + step + " loss " + r.loss());
                    System.out.flush();
                }
            }
        } catch (CommunicationException e) {
            System.out.println("error: " + e.getMessage());
            System.out.flush();
            System.exit(3);
        } catch (IllegalArgumentException e) {
            System.out.println("error: " + e.getMessage());
            System.out.flush();
            System.exit(2);
        } catch (org.plscj.head.NonFiniteException e) {
            System.out.println("error: " + e.getMessage());
            System.out.flush();
            System.exit(4);
        }
        System.exit(0);
    }
}
