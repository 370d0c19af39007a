package org.factorlab.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the factorlab command line in-process for tests, capturing the exit code, standard output and errors. */
public final class CliRun {
    private CliRun() {
    }

    public record Result(int code, String out, String err) {
    }

    public static Result run(String... args) {
        CommandLine cl = FactorlabCli.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        var captured = new ByteArrayOutputStream();
        var old = System.out;
        int code;
        System.setOut(new PrintStream(captured, true));
        try {
            code = cl.execute(args);
        } finally {
            System.setOut(old);
        }
        String out = captured.toString();
        old.print(out);
        return new Result(code, out, err.toString());
    }
}
