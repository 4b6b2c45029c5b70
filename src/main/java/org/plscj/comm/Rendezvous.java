package org.plscj.comm;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.plscj.tensor.Native;

/**
 * Elastic membership of a job's nodes ({@code plsc launch --nnodes MIN:MAX}, torchrun's c10d rendezvous): the nodes'
 * launchers meet in numbered rounds through a TCPStore that the master node's launcher hosts at MASTER_ADDR:MASTER_PORT.
 * In each round every launcher registers; the master closes the round once MAX nodes joined, or MIN joined and the
 * timeout passed since it opened, and assigns node ranks (itself node 0, the others in the order they joined). After a
 * failure the surviving launchers join the next round; a node that does not come back within the timeout is left out.
 * A node that joins while a round runs waits for the next one; the master opens it at once when the job has fewer than
 * MAX nodes ({@link #newNodeWaiting}). The master is node 0 of every round and hosts the store: losing it ends the job.
 *
 * <p>Every key carries its round number ({@code plsc/rdzv/<round>/...}), so registrations of one round are never taken for
 * another's. The store holds a few short keys per node and round.
 */
public final class Rendezvous implements AutoCloseable {
    /**
     * One closed round as this node sees it.
     *
     * @param number     the round (0 for the first)
     * @param nodes      nodes taking part
     * @param nodeRank   this node's rank in it (the master is 0)
     * @param workerPort the port the workers' own store uses (on the master node)
     * @param hosts      every node's host by node rank, "name (address)"
     */
    public record Round(int number, int nodes, int nodeRank, int workerPort, List<String> hosts) {}

    private static final String PREFIX = "plsc/rdzv/";
    private static final long POLL_MS = 100;

    private final TCPStore store;
    private final boolean master;
    private final String where;
    private final int min;
    private final int max;
    private final int nproc;
    private final long timeoutMs;
    private final PrintStream out;
    /** This launcher in the store: a node restarted on the same host is another launcher. */
    private final String id = UUID.randomUUID().toString();
    /** The last round this node took part in; −1 before the first. */
    private int last = -1;
    private List<String> lastHosts = List.of();
    /** The ids of the last round's launchers. */
    private Set<String> lastMembers = Set.of();

    private Rendezvous(TCPStore store, boolean master, String where, int min, int max, int nproc, long timeoutMs, PrintStream out) {
        this.store = store;
        this.master = master;
        this.where = where;
        this.min = min;
        this.max = max;
        this.nproc = nproc;
        this.timeoutMs = timeoutMs;
        this.out = out;
    }

    /**
     * Connects this node's launcher: the master (the node MASTER_ADDR belongs to) hosts the store, the others connect to it,
     * waiting up to {@code timeout} for the master to come up.
     *
     * @param nproc this node's workers; every node of a round must have as many
     */
    public static Rendezvous connect(String masterAddr, int port, int min, int max, int nproc, Duration timeout, PrintStream out) {
        if (min < 1 || max < min) {
            throw new IllegalArgumentException("--nnodes MIN:MAX needs 1 ≤ MIN ≤ MAX, got " + min + ":" + max);
        }
        Native.load();
        boolean master = isLocal(masterAddr);
        TCPStoreOptions options = new TCPStoreOptions();
        // why: TCPStoreOptions.port is a C++ uint16_t mapped to a Java short
        options.port((short) port);
        options.isServer(master);
        options.waitWorkers(false);
        options.timeout(Native.millis(timeout.toMillis()));
        String where = masterAddr + ":" + port;
        try {
            return new Rendezvous(new TCPStore(masterAddr, options), master, where, min, max, nproc, timeout.toMillis(), out);
        } catch (RuntimeException e) {
            throw new CommunicationException(master ? "cannot host the rendezvous at " + where + ": " + e.getMessage()
                    : "cannot reach the master node's launcher at " + where + " within " + timeout.toSeconds() + " s: " + e.getMessage(), e);
        }
    }

    /** Whether this launcher is the master's (hosts the store, node 0 of every round). */
    public boolean isMaster() {
        return master;
    }

    /**
     * Joins the next round and waits until it closes. Empty when the job finished while this node waited for a round.
     *
     * @throws CommunicationException when the master's launcher is gone, or fewer than MIN nodes joined within the timeout
     */
    public Optional<Round> next() {
        try {
            return master ? Optional.of(hostRound()) : joinRound();
        } catch (CommunicationException e) {
            throw e;
        } catch (RuntimeException e) {
            throw masterLost(e);
        }
    }

    /**
     * Whether a launcher that was not in round {@code current} waits to join the next one while the job has fewer than MAX
     * nodes: the master then stops its workers and opens that round (the others' workers lose their peers and their
     * launchers re-join), and no launcher counts that restart as a failure.
     */
    public boolean newNodeWaiting(Round current) {
        int next = current.number() + 1;
        if (current.nodes() >= max) {
            return false;
        }
        try {
            long waiting = store.add(key(next, "count"), 0);
            for (int i = 0; i < waiting; i++) {
                if (store.check(keys(key(next, "node/" + i))) && !lastMembers.contains(field(next, i, 1))) {
                    return true;
                }
            }
            return false;
        } catch (RuntimeException e) {
            throw masterLost(e);
        }
    }

    /** The master's last word: the job is done, launchers waiting for a round end too. */
    public void finished() {
        if (master) {
            store.set(PREFIX + "done", "1");
            try {
                // why linger: a launcher waiting for a round polls every POLL_MS and should read "done", not a lost master
                Thread.sleep(5 * POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        store.close();
    }

    private Round hostRound() {
        int r = last + 1;
        register(r);
        store.set(PREFIX + "open", Integer.toString(r));
        long opened = System.currentTimeMillis();
        say("plsc launch: rendezvous round " + r + " open at " + where + ": waiting for " + (min == max ? max + "" : min + " to " + max)
                + " nodes (up to " + timeoutMs / 1000 + " s" + (min < max ? " for more than " + min : "") + ")");
        long joined;
        while (true) {
            joined = store.add(key(r, "count"), 0);
            long waited = System.currentTimeMillis() - opened;
            if (joined >= max || joined >= min && waited >= timeoutMs) {
                break;
            }
            if (waited >= timeoutMs) {
                throw new CommunicationException("rendezvous round " + r + " at " + where + ": only " + joined + " of at least " + min
                        + " nodes joined within " + timeoutMs / 1000 + " s", null);
            }
            sleep();
        }
        List<Integer> ranks = new ArrayList<>();
        int mine = Integer.parseInt(store.get_to_str(key(r, "master")));
        ranks.add(mine);
        for (int i = 0; i < joined && ranks.size() < max; i++) {
            if (i == mine) {
                continue;
            }
            int theirs = Integer.parseInt(field(r, i, 0));
            if (theirs != nproc) {
                store.set(key(r, "refused/" + i), "it has --nproc " + theirs + " but the master node " + nproc
                        + " (every node of an elastic job runs as many workers)");
                continue;
            }
            ranks.add(i);
        }
        int workerPort = workerPort();
        StringBuilder result = new StringBuilder(workerPort + " " + ranks.size());
        ranks.forEach(i -> result.append(' ').append(i));
        store.set(key(r, "result"), result.toString());
        List<String> hosts = ranks.stream().map(i -> field(r, i, 2)).toList();
        List<String> gone = lastHosts.stream().filter(h -> !hosts.contains(h)).toList();
        if (!gone.isEmpty()) {
            say("plsc launch: round " + r + ": left out (not back within " + timeoutMs / 1000 + " s): " + String.join(", ", gone));
        }
        return took(r, ranks, new Round(r, ranks.size(), 0, workerPort, hosts));
    }

    private Optional<Round> joinRound() {
        int r = Math.max(last + 1, awaitOpen());
        while (true) {
            if (store.check(keys(key(r, "result")))) {
                r++; // why: that round closed; the master sees this node waiting for the next and opens it
                continue;
            }
            int mine = register(r);
            if (last >= 0 && last < r - 1 || last < 0 && r > 0) {
                say("plsc launch: waiting for rendezvous round " + r + " at " + where + " (round " + (r - 1) + " runs without this node)");
            }
            while (!store.check(keys(key(r, "result")))) {
                if (store.check(keys(PREFIX + "done"))) {
                    return Optional.empty();
                }
                sleep();
            }
            if (store.check(keys(key(r, "refused/" + mine)))) {
                throw new IllegalArgumentException("rendezvous round " + r + " at " + where + " refused this node: "
                        + store.get_to_str(key(r, "refused/" + mine)));
            }
            String[] result = store.get_to_str(key(r, "result")).split(" ");
            List<Integer> ranks = new ArrayList<>();
            for (int k = 2; k < result.length; k++) {
                ranks.add(Integer.parseInt(result[k]));
            }
            int rank = ranks.indexOf(mine);
            if (rank >= 0) {
                int round = r;
                List<String> hosts = ranks.stream().map(i -> field(round, i, 2)).toList();
                return Optional.of(took(r, ranks, new Round(r, ranks.size(), rank, Integer.parseInt(result[0]), hosts)));
            }
            r++; // left out of a full round: wait for the next
        }
    }

    /** The round the master opened last, waiting for it to open one (up to the timeout). */
    private int awaitOpen() {
        long start = System.currentTimeMillis();
        while (!store.check(keys(PREFIX + "open"))) {
            if (System.currentTimeMillis() - start > timeoutMs) {
                throw new CommunicationException("the master node's launcher at " + where + " opened no rendezvous round within "
                        + timeoutMs / 1000 + " s", null);
            }
            sleep();
        }
        return Integer.parseInt(store.get_to_str(PREFIX + "open"));
    }

    /** Registers this node in round {@code r}; returns its place in the order of arrival. */
    private int register(int r) {
        int i = (int) store.add(key(r, "count"), 1) - 1;
        store.set(key(r, "node/" + i), nproc + " " + id + " " + Communicator.hostDescription());
        if (master) {
            store.set(key(r, "master"), Integer.toString(i));
        }
        return i;
    }

    /** Field {@code f} of launcher {@code i}'s registration in round {@code r}: 0 nproc, 1 id, 2 host. */
    private String field(int r, int i, int f) {
        return store.get_to_str(key(r, "node/" + i)).split(" ", 3)[f];
    }

    private Round took(int r, List<Integer> ranks, Round round) {
        last = r;
        lastHosts = round.hosts();
        Set<String> members = new HashSet<>();
        ranks.forEach(i -> members.add(field(r, i, 1)));
        lastMembers = members;
        return round;
    }

    /** The workers' store: the port after the launchers' (documented in plsc launch --help). */
    private int workerPort() {
        return Integer.parseInt(where.substring(where.lastIndexOf(':') + 1)) + 1;
    }

    private CommunicationException masterLost(RuntimeException e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        return new CommunicationException("the master node's launcher at " + where + " is gone (" + why + "): an elastic job cannot go on without it, it hosts the rendezvous (as torch's c10d rendezvous);"
                + " start the job again, the workers resume from the newest checkpoint with --resume", e);
    }

    private void say(String line) {
        synchronized (out) {
            out.println(line);
        }
    }

    private static String key(int round, String name) {
        return PREFIX + round + "/" + name;
    }

    private static StringVector keys(String key) {
        return new StringVector(key);
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommunicationException("interrupted while waiting for the rendezvous", e);
        }
    }

    /** Whether {@code address} is one of this host's own (then this launcher is the master's). */
    static boolean isLocal(String address) {
        try {
            InetAddress a = InetAddress.getByName(address);
            return a.isLoopbackAddress() || a.isAnyLocalAddress() || NetworkInterface.getByInetAddress(a) != null;
        } catch (IOException e) {
            throw new IllegalArgumentException("--master-addr " + address + " does not resolve: " + e.getMessage(), e);
        }
    }
}
