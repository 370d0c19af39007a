package org.factorlab.spark;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.master.Master;
import org.apache.spark.rpc.RpcEnv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Spark standalone cluster on this machine, for tests and benchmarks that need executors in JVMs of their own
 * (parameters then cross a process boundary, as on a real cluster): the master runs in this JVM, one worker runs as
 * a child JVM, and the worker launches {@code executors} executor JVMs of one core each, exactly as a standalone
 * cluster does. The worker needs what Spark's launcher needs: {@code SPARK_HOME} with a {@code RELEASE} file and a
 * {@code jars/} directory (empty here; the executors get this JVM's classpath through
 * {@code spark.executor.extraClassPath}) and {@code SPARK_SCALA_VERSION=2.12}.
 *
 * <p>Use {@link #configure(SparkConf)} on the conf of the SparkContext that connects to it: it sets the master URL,
 * one core and {@code executorMemoryMb} per executor, the classpath, the JDK 17 flags and one OpenMP thread per
 * executor, and makes the context wait for every executor before its first job.
 */
public final class LocalStandaloneCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStandaloneCluster.class);
    private static final String HOST = "127.0.0.1";
    private static final String LOG4J = """
            rootLogger.level = warn
            rootLogger.appenderRef.stdout.ref = console
            appender.console.type = Console
            appender.console.name = console
            appender.console.target = SYSTEM_ERR
            appender.console.layout.type = PatternLayout
            appender.console.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1}: %m%n
            logger.deploy.name = org.apache.spark.deploy
            logger.deploy.level = info
            logger.factorlab.name = org.factorlab
            logger.factorlab.level = info
            """;

    private final Path dir;
    private final int executors;
    private final int executorMemoryMb;
    private final RpcEnv masterEnv;
    private final String masterUrl;
    private final Process worker;

    private LocalStandaloneCluster(Path dir, int executors, int executorMemoryMb, RpcEnv masterEnv, String masterUrl, Process worker) {
        this.dir = dir;
        this.executors = executors;
        this.executorMemoryMb = executorMemoryMb;
        this.masterEnv = masterEnv;
        this.masterUrl = masterUrl;
        this.worker = worker;
    }

    /** Starts a master and a worker with room for {@code executors} executors; waits until the worker has registered. */
    public static LocalStandaloneCluster start(Path dir, int executors, int executorMemoryMb) {
        if (executors < 1) throw new IllegalArgumentException("executors must be >= 1, got " + executors);
        RpcEnv env = null;
        Process worker = null;
        try {
            Path sparkHome = Files.createDirectories(dir.resolve("spark-home"));
            Files.createDirectories(sparkHome.resolve("jars"));
            Files.createDirectories(sparkHome.resolve("conf"));
            // the worker's registration is an INFO line of Spark's deploy package: the only sign that it is ready
            Files.writeString(sparkHome.resolve("conf").resolve("log4j2.properties"), LOG4J);
            Files.writeString(sparkHome.resolve("RELEASE"), "Spark standalone layout for Factorlab tests (jars come from spark.executor.extraClassPath)\n");
            Path work = Files.createDirectories(dir.resolve("work"));
            SparkConf masterConf = new SparkConf(false).set("spark.master.rest.enabled", "false").set("spark.ui.enabled", "false");
            env = Master.startRpcEnvAndEndpoint(HOST, 0, 0, masterConf)._1();
            String url = "spark://" + HOST + ":" + env.address().port();
            List<String> cmd = new ArrayList<>();
            cmd.add(javaExecutable());
            cmd.add("-Xmx256m");
            cmd.add("-Dlog4j2.configurationFile=" + sparkHome.resolve("conf").resolve("log4j2.properties"));
            cmd.addAll(jvmFlags());
            cmd.addAll(List.of("-cp", classpath(), "org.apache.spark.deploy.worker.Worker", "--host", HOST,
                    "--cores", Integer.toString(executors), "--memory", (executors * executorMemoryMb) + "m",
                    "--work-dir", work.toString(), url));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("worker.log").toFile());
            pb.environment().put("SPARK_HOME", sparkHome.toString());
            pb.environment().put("SPARK_SCALA_VERSION", "2.12");
            pb.environment().put("SPARK_LOCAL_IP", HOST);
            pb.environment().put("SPARK_WORKER_DIR", work.toString());
            worker = pb.start();
            awaitRegistration(worker, dir.resolve("worker.log"));
            LOG.info("standalone cluster at {}: worker pid {}, room for {} executors of 1 core and {} MB", url, worker.pid(),
                    executors, executorMemoryMb);
            return new LocalStandaloneCluster(dir, executors, executorMemoryMb, env, url, worker);
        } catch (IOException | RuntimeException e) {
            if (worker != null) worker.destroyForcibly();
            if (env != null) env.shutdown();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    private static void awaitRegistration(Process worker, Path log) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            if (text.contains("Successfully registered with master")) return;
            if (!worker.isAlive())
                throw new IllegalStateException("the Spark worker exited with status " + worker.exitValue() + "; its log " + log + ":\n" + tail(text));
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting the Spark worker", e);
            }
        }
        throw new IllegalStateException("the Spark worker did not register with the master within 120 s; its log " + log + ":\n"
                + tail(Files.exists(log) ? Files.readString(log) : ""));
    }

    private static String tail(String text) {
        return text.length() <= 4000 ? text : text.substring(text.length() - 4000);
    }

    public String masterUrl() {
        return masterUrl;
    }

    public int executors() {
        return executors;
    }

    /** The worker's directory: one {@code app-*} directory per application, with each executor's stdout and stderr. */
    public Path workDir() {
        return dir.resolve("work");
    }

    /** {@code conf} set up to run on this cluster with every executor registered before the first job. */
    public SparkConf configure(SparkConf conf) {
        String flags = String.join(" ", jvmFlags()) + " -Dlog4j2.configurationFile=" + dir.resolve("spark-home/conf/log4j2.properties");
        return conf.setMaster(masterUrl)
                .set("spark.executor.cores", "1")
                .set("spark.cores.max", Integer.toString(executors))
                .set("spark.executor.memory", executorMemoryMb + "m")
                .set("spark.executor.extraClassPath", classpath())
                .set("spark.executor.extraJavaOptions", flags)
                .setIfMissing("spark.executorEnv.OMP_NUM_THREADS", "1")
                .set("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s")
                .setIfMissing("spark.driver.host", "localhost")
                .setIfMissing("spark.driver.bindAddress", HOST);
    }

    /** The executor JVMs running now (children of the worker), oldest first. */
    public List<ProcessHandle> executorProcesses() {
        return worker.descendants()
                .filter(p -> commandLine(p).contains("CoarseGrainedExecutorBackend"))
                .sorted(java.util.Comparator.comparing(p -> p.info().startInstant().orElse(java.time.Instant.EPOCH)))
                .toList();
    }

    /** The process's command line; ProcessHandle.Info leaves it out when it is long (the executors' classpath is). */
    private static String commandLine(ProcessHandle p) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"), java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return p.info().commandLine().orElse("");
        }
    }

    /** Stops the worker (and with it its executors) and the master. */
    @Override
    public void close() {
        List<ProcessHandle> children = worker.descendants().toList();
        worker.destroy();
        try {
            if (!worker.waitFor(20, TimeUnit.SECONDS)) worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
        masterEnv.shutdown();
        masterEnv.awaitTermination();
    }

    /** This JVM's classpath as a list of entries (surefire runs tests from a manifest-only jar and names the real one). */
    static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The module opens this JVM runs with (the flags Spark needs on JDK 17), and a temporary directory beside it. */
    static List<String> jvmFlags() {
        List<String> flags = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect.useDirectMethodHandle")) flags.add(a);
        Optional.ofNullable(System.getProperty("java.io.tmpdir")).ifPresent(t -> flags.add("-Djava.io.tmpdir=" + new File(t).getAbsolutePath()));
        return flags;
    }
}
