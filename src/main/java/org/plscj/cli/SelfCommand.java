package org.plscj.cli;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/** The command line that runs {@code plsc <args>} in a new JVM just like this one. */
final class SelfCommand {
    private SelfCommand() {}

    static List<String> of(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // why: a debugger agent would make every worker listen on the same port
            if (!a.startsWith("-agentlib:jdwp")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Plsc.class.getName());
        cmd.addAll(args);
        return cmd;
    }
}
