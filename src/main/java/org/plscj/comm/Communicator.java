package org.plscj.comm;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.BarrierOptions;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.ReduceScatterOptions;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.gloo.Device;
import org.bytedeco.pytorch.global.torch;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/**
 * The collectives PLSC needs, over a c10d process group (Gloo on CPU, NCCL on GPU builds), on
 * tensors in place. With one worker there is no process group at all: every collective is the
 * identity. Any failure (a peer died, or did not answer within the timeout) becomes a
 * {@link CommunicationException} naming the operation.
 *
 * <pre>{@code
 * try (Communicator comm = Communicator.connect(DistEnv.fromEnvironment(), Duration.ofSeconds(300))) {
 *     Tensor all = comm.allGather(local);   // [world·B, D]
 * }
 * }</pre>
 */
public final class Communicator implements AutoCloseable {
    /** The reductions PLSC uses. */
    public enum Reduction {
        SUM(ReduceOp.RedOpType.SUM),
        MAX(ReduceOp.RedOpType.MAX),
        MIN(ReduceOp.RedOpType.MIN);

        private final ReduceOp.RedOpType op;

        Reduction(ReduceOp.RedOpType op) {
            this.op = op;
        }
    }

    private final int rank;
    private final int worldSize;
    private final long timeoutMs;
    private final Store store;
    private final Backend group;

    /** Each rank's host, exchanged at connect (null for a single worker). */
    private String[] peerHosts;

    private Communicator(int rank, int worldSize, long timeoutMs, Store store, Backend group) {
        this.rank = rank;
        this.worldSize = worldSize;
        this.timeoutMs = timeoutMs;
        this.store = store;
        this.group = group;
    }

    /** A communicator for one worker: no rendezvous, collectives are identities. */
    public static Communicator single() {
        return new Communicator(0, 1, 0, null, null);
    }

    /** Joins the process group described by the torchrun variables, on the CPU (Gloo). */
    public static Communicator connect(DistEnv env, Duration timeout) {
        return connect(env, timeout, "cpu");
    }

    /**
     * Joins the process group: rank 0 hosts the TCPStore at MASTER_ADDR:MASTER_PORT, every rank
     * connects to it, then builds Gloo (device {@code cpu}) or NCCL (device {@code cuda…}).
     * World size 1 returns {@link #single()} without opening any socket.
     */
    public static Communicator connect(DistEnv env, Duration timeout, String device) {
        if (env.worldSize() == 1) {
            return single();
        }
        Native.load();
        long ms = timeout.toMillis();
        TCPStoreOptions storeOptions = new TCPStoreOptions();
        // why: TCPStoreOptions.port is a C++ uint16_t mapped to a Java short
        storeOptions.port((short) env.masterPort());
        storeOptions.isServer(env.rank() == 0);
        storeOptions.waitWorkers(false);
        storeOptions.timeout(Native.millis(ms));
        TCPStore store;
        try {
            store = new TCPStore(env.masterAddr(), storeOptions);
        } catch (RuntimeException e) {
            throw new CommunicationException("rendezvous failed on rank " + env.rank() + " at " + env.masterAddr() + ":"
                    + env.masterPort() + " within " + ms + " ms: " + e.getMessage(), e);
        }
        Backend group = device.startsWith("cuda") ? nccl(store, env) : gloo(store, env, ms);
        Communicator c = new Communicator(env.rank(), env.worldSize(), ms, store, group);
        c.peerHosts = exchangeHosts(store, env);
        return c;
    }

    /**
     * Every rank's host (name and the address it talks on) through the store, once at start, so that a failed
     * collective can name the peers it was waiting for (a cut link gives Gloo nothing but a timeout).
     */
    private static String[] exchangeHosts(Store store, DistEnv env) {
        store.set("plsc/host/" + env.rank(), hostDescription());
        String[] hosts = new String[env.worldSize()];
        for (int r = 0; r < hosts.length; r++) {
            hosts[r] = new String(store.get("plsc/host/" + r).get(), StandardCharsets.UTF_8);
        }
        return hosts;
    }

    /** "name (address)": GLOO_SOCKET_IFNAME's IPv4 address when set, else what the host name resolves to. */
    static String hostDescription() {
        String name = "unknown-host";
        String address = "?";
        try {
            InetAddress local = InetAddress.getLocalHost();
            name = local.getHostName();
            address = local.getHostAddress();
            String iface = System.getenv("GLOO_SOCKET_IFNAME");
            NetworkInterface ni = iface == null || iface.isBlank() ? null : NetworkInterface.getByName(iface);
            if (ni != null) {
                address = ni.inetAddresses().filter(a -> a instanceof Inet4Address).map(InetAddress::getHostAddress).findFirst()
                        .orElse(address);
            }
        } catch (IOException e) {
            // why go on: the description only improves error messages
        }
        return name + " (" + address + ")";
    }

    /** Rank {@code r}'s host as "name (address)"; every rank is "local" for a single worker. */
    public String host(int r) {
        return peerHosts == null ? "local" : peerHosts[r];
    }

    /** "rank 1 on b (10.0.0.2), …": the peers of this rank, for error messages; empty when unknown. */
    String peers() {
        if (peerHosts == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        int shown = 0;
        for (int r = 0; r < peerHosts.length; r++) {
            if (r == rank) {
                continue;
            }
            if (shown == 8) {
                out.append(", …");
                break;
            }
            out.append(shown++ == 0 ? "" : ", ").append("rank ").append(r).append(" on ").append(peerHosts[r]);
        }
        return out.toString();
    }

    private static Backend gloo(Store store, DistEnv env, long timeoutMs) {
        ProcessGroupGloo.Options options = ProcessGroupGloo.Options.create(Native.millis(timeoutMs));
        options.devices(new GlooDeviceVector(glooDevice(env)));
        try {
            return new ProcessGroupGloo(store, env.rank(), env.worldSize(), options);
        } catch (RuntimeException e) {
            throw new CommunicationException("creating the Gloo process group failed on rank " + env.rank() + ": "
                    + e.getMessage(), e);
        }
    }

    private static Device glooDevice(DistEnv env) {
        String iface = System.getenv("GLOO_SOCKET_IFNAME");
        if (iface != null && !iface.isBlank()) {
            return ProcessGroupGloo.createDeviceForInterface(iface);
        }
        boolean loopback = env.masterAddr().equals("127.0.0.1") || env.masterAddr().equals("localhost");
        return loopback ? ProcessGroupGloo.createDeviceForHostname("127.0.0.1") : ProcessGroupGloo.createDefaultDevice();
    }

    /** NCCL exists only in the GPU build of the presets; it is looked up by name so this build runs without it. */
    private static Backend nccl(Store store, DistEnv env) {
        try {
            Class<?> nccl = Class.forName("org.bytedeco.pytorch.ProcessGroupNCCL");
            return (Backend) nccl.getConstructor(Store.class, int.class, int.class).newInstance(store, env.rank(), env.worldSize());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("device cuda needs NCCL, which only the GPU build of the pytorch presets "
                    + "(classifier linux-x86_64-gpu) has; this class path has the CPU build", e);
        }
    }

    public int rank() {
        return rank;
    }

    public int worldSize() {
        return worldSize;
    }

    /** Concatenation of every rank's {@code local} along dimension 0: [world·rows, …]. */
    public Tensor allGather(Tensor local) {
        if (group == null) {
            return local;
        }
        Tensor in = local.contiguous();
        long[] shape = Tensors.shape(in);
        shape[0] *= worldSize;
        Tensor out = torch.empty(shape, in.options(), null);
        run("allgather", group._allgather_base(out, in));
        return out;
    }

    /** In-place all-reduce of a contiguous tensor. */
    public void allReduce(Tensor t, Reduction op) {
        if (group == null) {
            return;
        }
        AllreduceOptions options = new AllreduceOptions();
        options.reduceOp(new ReduceOp(op.op));
        run("allreduce(" + op + ")", group.allreduce(new TensorVector(t), options));
    }

    /** In-place sum over ranks of several tensors in one collective (e.g. backbone gradients). */
    public void allReduceCoalesced(List<Tensor> ts) {
        startAllReduceCoalesced(ts).await();
    }

    /**
     * Starts {@link #allReduceCoalesced} and returns at once: Gloo runs it on its own threads while the caller goes on
     * (e.g. with the backward pass); the tensors must not be read or written until {@link Pending#await} returns.
     * Every rank must start its collectives in the same order.
     */
    public Pending startAllReduceCoalesced(List<Tensor> ts) {
        if (group == null || ts.isEmpty()) {
            return new Pending(this, "allreduce_coalesced(SUM)", null, null);
        }
        TensorVector tensors = new TensorVector(ts.toArray(new Tensor[0]));
        // why no options object: the presets' AllreduceCoalescedOptions() is a null pointer; the default op is SUM
        Work work;
        try {
            work = group.allreduce_coalesced(tensors);
        } catch (RuntimeException e) {
            throw CommunicationException.of("allreduce_coalesced(SUM)", rank, timeoutMs, peers(), e);
        }
        return new Pending(this, "allreduce_coalesced(SUM)", work, tensors);
    }

    /** A collective under way; {@link #await} waits for it and reports a failure as the synchronous call would. */
    public static final class Pending {
        private final Communicator comm;
        private final String operation;
        private final Work work;
        // why kept: the native vector must outlive the collective that reads it
        private final TensorVector tensors;

        private Pending(Communicator comm, String operation, Work work, TensorVector tensors) {
            this.comm = comm;
            this.operation = operation;
            this.work = work;
            this.tensors = tensors;
        }

        /** Blocks until the collective is done; its tensors then hold the result. */
        public void await() {
            if (work != null) {
                comm.run(operation, work);
                java.lang.ref.Reference.reachabilityFence(tensors);
            }
        }
    }

    /**
     * The gradient of {@link #allGather}: sums {@code full} [world·rows, …] over ranks and returns
     * this rank's block of rows [rows, …].
     */
    public Tensor reduceScatter(Tensor full) {
        if (group == null) {
            return full;
        }
        Tensor in = full.contiguous();
        long[] shape = Tensors.shape(in);
        if (shape[0] % worldSize != 0) {
            throw new IllegalArgumentException("reduce-scatter input has " + shape[0] + " rows, not a multiple of the world size " + worldSize);
        }
        shape[0] /= worldSize;
        Tensor out = torch.empty(shape, in.options(), null);
        ReduceScatterOptions options = new ReduceScatterOptions();
        options.reduceOp(new ReduceOp(ReduceOp.RedOpType.SUM));
        run("reduce_scatter(SUM)", group._reduce_scatter_base(out, in, options));
        return out;
    }

    /** In-place broadcast of {@code t} from {@code root} to every rank. */
    public void broadcast(Tensor t, int root) {
        if (group == null) {
            return;
        }
        BroadcastOptions options = new BroadcastOptions();
        options.rootRank(root);
        run("broadcast(root " + root + ")", group.broadcast(new TensorVector(t), options));
    }

    /**
     * A failure one rank met, told to all: every rank passes its own (null = none) and every rank receives the
     * lowest failing rank and its message, or null when no rank failed. A collective: it also serves as the
     * barrier after the work it reports on, so peers learn "rank r failed: …" instead of "a peer was lost".
     */
    public Failure agreeOnFailure(String failure) {
        if (group == null) {
            return failure == null ? null : new Failure(0, failure);
        }
        int failed = Scoped.compute(() -> {
            Tensor first = Tensors.longs(Placement.CPU_FLOAT, new long[] {failure == null ? worldSize : rank});
            allReduce(first, Reduction.MIN);
            return (int) Tensors.toLongArray(first)[0];
        });
        return failed == worldSize ? null : new Failure(failed, broadcastText(failed == rank ? failure : "", failed));
    }

    /** {@code text} of rank {@code root} on every rank (the others pass anything; their text is ignored). */
    public String broadcastText(String text, int root) {
        if (group == null) {
            return text;
        }
        return Scoped.compute(() -> {
            byte[] mine = text.getBytes(StandardCharsets.UTF_8);
            Tensor length = Tensors.longs(Placement.CPU_FLOAT, new long[] {mine.length});
            broadcast(length, root);
            Tensor bytes = rank == root ? Tensors.bytes(mine) : Tensors.bytes(new byte[(int) Tensors.toLongArray(length)[0]]);
            broadcast(bytes, root);
            return new String(Tensors.toByteArray(bytes), StandardCharsets.UTF_8);
        });
    }

    /** Every rank's {@code text}, indexed by rank, on every rank. */
    public String[] allGatherText(String text) {
        if (group == null) {
            return new String[] {text};
        }
        return Scoped.compute(() -> {
            byte[] mine = text.getBytes(StandardCharsets.UTF_8);
            long[] lengths = Tensors.toLongArray(allGather(Tensors.longs(Placement.CPU_FLOAT, new long[] {mine.length})));
            long longest = java.util.Arrays.stream(lengths).max().orElse(0);
            byte[] padded = java.util.Arrays.copyOf(mine, (int) longest);
            byte[] all = Tensors.toByteArray(allGather(Tensors.bytes(padded)));
            String[] out = new String[worldSize];
            for (int r = 0; r < worldSize; r++) {
                out[r] = new String(all, (int) (r * longest), (int) lengths[r], StandardCharsets.UTF_8);
            }
            return out;
        });
    }

    /** What {@link #agreeOnFailure} tells every rank: the lowest failing rank and its message. */
    public record Failure(int rank, String message) {}

    public void barrier() {
        if (group == null) {
            return;
        }
        run("barrier", group.barrier(new BarrierOptions()));
    }

    private void run(String operation, Work work) {
        try {
            work._wait();
        } catch (RuntimeException e) {
            throw CommunicationException.of(operation, rank, timeoutMs, peers(), e);
        }
    }

    @Override
    public void close() {
        if (group != null) {
            group.close();
        }
        if (store != null) {
            store.close();
        }
    }
}
