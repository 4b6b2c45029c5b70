package org.plscj.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code plsc completion}: picocli's bash (and zsh through bashcompinit) completion script for every command and option. */
@Command(name = "completion", description = {"Prints the bash completion script for plsc (zsh: after `autoload bashcompinit; bashcompinit`).",
    "Install: plsc completion > /etc/bash_completion.d/plsc, or source <(plsc completion) in ~/.bashrc."})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(AutoComplete.bash("plsc", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
