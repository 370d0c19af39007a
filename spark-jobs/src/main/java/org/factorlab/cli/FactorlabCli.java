package org.factorlab.cli;

import java.util.Comparator;
import java.util.ServiceLoader;
import org.factorlab.provenance.Provenance;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code factorlab} command: every module's {@link CliCommand}s as subcommands. */
@Command(name = "factorlab", mixinStandardHelpOptions = true, versionProvider = FactorlabCli.Version.class,
        description = "Disentangled representation learning with diffusion models, on one machine or on Spark.")
public final class FactorlabCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new FactorlabCli());
        addAll(cl, CliCommand.class);
        CommandLine bench = new CommandLine(new Bench());
        addAll(bench, BenchmarkCommand.class);
        cl.addSubcommand(bench);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> CliErrors.report(ex, cmd));
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    private static <T> void addAll(CommandLine parent, Class<T> kind) {
        ServiceLoader.load(kind).stream()
                .map(ServiceLoader.Provider::get)
                .sorted(Comparator.comparing(c -> c.getClass().getAnnotation(Command.class).name()))
                .forEach(parent::addSubcommand);
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Benchmarks that print figures (render, train-step, metrics, spark-train, ...).")
    static final class Bench implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(System.out);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"factorlab " + Provenance.currentCodeVersion(), "libraries " + Provenance.currentLibraries()};
        }
    }
}
