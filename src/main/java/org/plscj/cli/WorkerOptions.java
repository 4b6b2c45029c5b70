package org.plscj.cli;

import java.time.Duration;
import org.plscj.comm.Communicator;
import org.plscj.comm.DistEnv;
import org.plscj.tensor.Native;
import picocli.CommandLine.Option;

/** Options every distributed worker command shares. */
final class WorkerOptions {
    @Option(names = "--timeout", defaultValue = "${env:PLSC_TIMEOUT:-300}", paramLabel = "SECONDS",
            description = "Collective and rendezvous timeout: a peer that does not answer within it fails the job "
                    + "(default ${DEFAULT-VALUE}; env PLSC_TIMEOUT).")
    int timeoutSeconds;

    @Option(names = "--device", defaultValue = "cpu",
            description = "cpu (Gloo) or cuda[:i] (NCCL, needs the GPU build of the presets). Default ${DEFAULT-VALUE}.")
    String device;

    /** Loads libtorch and joins the job described by the torchrun variables (none for one worker). */
    Communicator connect() {
        Native.load();
        return Communicator.connect(DistEnv.fromEnvironment(), Duration.ofSeconds(timeoutSeconds), device);
    }
}
