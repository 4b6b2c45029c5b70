package org.plscj.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * Two machines for real on one host: two network namespaces joined by a veth pair, each with its own IP address; a
 * command runs on machine k inside its namespace with GLOO_SOCKET_IFNAME naming its interface. Needs root (ip netns):
 * {@link #create} skips the calling test class with a message where namespaces or veth pairs cannot be made.
 */
public final class TwoMachines implements AutoCloseable {
    private static final String[] IPS = {"10.77.0.1", "10.77.0.2"};

    private final String[] namespaces;
    private final String[] interfaces;

    private TwoMachines(String tag) {
        long id = ProcessHandle.current().pid() % 100_000;
        this.namespaces = new String[] {"plsc" + id + tag + "a", "plsc" + id + tag + "b"};
        this.interfaces = new String[] {"pj" + id + tag + "a", "pj" + id + tag + "b"};
    }

    /** @param tag one letter telling this test class's namespaces from another's */
    public static TwoMachines create(String tag) throws Exception {
        TwoMachines m = new TwoMachines(tag);
        String ns0 = m.namespaces[0];
        String ns1 = m.namespaces[1];
        String if0 = m.interfaces[0];
        String if1 = m.interfaces[1];
        Assumptions.assumeTrue(Shell.run("ip", "netns", "add", ns0) == 0, "cannot create network namespaces here (not root?)");
        int failures = Shell.run("ip", "netns", "add", ns1)
                + Shell.run("ip", "link", "add", if0, "type", "veth", "peer", "name", if1)
                + Shell.run("ip", "link", "set", if0, "netns", ns0) + Shell.run("ip", "link", "set", if1, "netns", ns1)
                + Shell.run("ip", "-n", ns0, "addr", "add", IPS[0] + "/24", "dev", if0) + Shell.run("ip", "-n", ns1, "addr", "add", IPS[1] + "/24", "dev", if1)
                + Shell.run("ip", "-n", ns0, "link", "set", "lo", "up") + Shell.run("ip", "-n", ns1, "link", "set", "lo", "up");
        if (failures == 0) {
            failures = m.linkUp();
        }
        if (failures != 0) {
            m.close();
        }
        // why skip rather than fail: some sandboxes allow namespaces but not veth pairs; the tests need both
        Assumptions.assumeTrue(failures == 0, "cannot join " + ns0 + " and " + ns1 + " by a veth pair here: the multi-host tests need one");
        return m;
    }

    /** Brings both ends of the link up; returns 0 when both came up. */
    public int linkUp() throws Exception {
        return Shell.run("ip", "-n", namespaces[0], "link", "set", interfaces[0], "up")
                + Shell.run("ip", "-n", namespaces[1], "link", "set", interfaces[1], "up");
    }

    /** Cuts the link on machine k's side; returns the command's exit code. */
    public int linkDown(int k) throws Exception {
        return Shell.run("ip", "-n", namespaces[k], "link", "set", interfaces[k], "down");
    }

    public String ip(int k) {
        return IPS[k];
    }

    /** {@code plsc args} on machine k, run by {@code wrapper} (e.g. a mount namespace of its own) inside its namespace. */
    public Jvm.Running plsc(int k, List<String> wrapper, List<String> args) {
        return plsc(k, wrapper, Map.of(), args);
    }

    /** As above with further environment variables. */
    public Jvm.Running plsc(int k, List<String> wrapper, Map<String, String> env, List<String> args) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespaces[k]));
        command.addAll(wrapper);
        Map<String, String> all = new HashMap<>(env);
        all.put("GLOO_SOCKET_IFNAME", interfaces[k]);
        return Jvm.startUnder(command, "org.plscj.cli.Plsc", all, args);
    }

    @Override
    public void close() throws Exception {
        Shell.run("ip", "netns", "del", namespaces[0]);
        Shell.run("ip", "netns", "del", namespaces[1]);
    }
}
