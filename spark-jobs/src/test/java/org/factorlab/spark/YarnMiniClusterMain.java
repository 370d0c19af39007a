package org.factorlab.spark;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * A YARN cluster on this machine for bench/yarn-minicluster.sh (not a test): a MiniDFSCluster (one datanode) and a
 * MiniYARNCluster (one resource manager with the FIFO scheduler, one node manager with 8 GB and 8 vcores, no memory
 * checks) from
 * hadoop-client-minicluster. It writes the live configuration as {@code DIR/conf/core-site.xml}, {@code hdfs-site.xml}
 * and {@code yarn-site.xml} (a HADOOP_CONF_DIR for spark-submit), copies each {@code LOCAL=HDFS_PATH} argument into
 * HDFS, writes {@code DIR/ready} holding the file system URI, and runs until {@code DIR/stop} appears.
 *
 * <pre>java -cp &lt;test classpath&gt; org.factorlab.spark.YarnMiniClusterMain DIR [LOCAL=HDFS_PATH ...]</pre>
 */
public final class YarnMiniClusterMain {
    private YarnMiniClusterMain() {
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) { // the clusters' non-daemon threads would keep a failed start alive
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run(String[] args) throws Exception {
        Path dir = Path.of(args[0]).toAbsolutePath();
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("dfs").toString());
        conf.set("hadoop.tmp.dir", dir.resolve("tmp").toString());
        MiniDFSCluster dfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        dfs.waitActive();
        YarnConfiguration yc = new YarnConfiguration(dfs.getConfiguration(0));
        yc.setInt(YarnConfiguration.NM_PMEM_MB, 8192);
        yc.setInt(YarnConfiguration.NM_VCORES, 8);
        yc.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
        yc.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, 8192);
        yc.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
        yc.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        // FIFO: the capacity scheduler needs a queue file and gives application masters only 10 % of the memory
        yc.set(YarnConfiguration.RM_SCHEDULER, "org.apache.hadoop.yarn.server.resourcemanager.scheduler.fifo.FifoScheduler");
        yc.setBoolean(YarnConfiguration.YARN_MINICLUSTER_FIXED_PORTS, false);
        MiniYARNCluster yarn = new MiniYARNCluster("factorlab", 1, 1, 1);
        yarn.init(yc);
        yarn.start();
        Configuration live = new YarnConfiguration(yarn.getConfig());
        // the resource manager's address is known once it has started; wait for a bound port
        for (int i = 0; i < 600 && live.get(YarnConfiguration.RM_ADDRESS, "").endsWith(":0"); i++) {
            Thread.sleep(100);
            live = new YarnConfiguration(yarn.getConfig());
        }
        // MiniDFSCluster's rack mapping class lives in Hadoop's test jars, which no Spark client has
        live.unset("net.topology.node.switch.mapping.impl");
        Path confDir = Files.createDirectories(dir.resolve("conf"));
        for (String name : new String[] {"core-site.xml", "hdfs-site.xml", "yarn-site.xml"})
            try (OutputStream out = Files.newOutputStream(confDir.resolve(name))) {
                live.writeXml(out);
            }
        FileSystem fs = dfs.getFileSystem();
        for (int i = 1; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(Path.of(kv[0]).toAbsolutePath().toUri()), new org.apache.hadoop.fs.Path(kv[1]));
        }
        String uri = fs.getUri().toString();
        Files.writeString(dir.resolve("ready.tmp"), uri + "\n");
        Files.move(dir.resolve("ready.tmp"), dir.resolve("ready"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.out.println("minicluster ready: " + uri + ", resource manager " + live.get(YarnConfiguration.RM_ADDRESS)
                + ", HADOOP_CONF_DIR=" + confDir);
        while (!Files.exists(dir.resolve("stop"))) Thread.sleep(500);
        yarn.stop();
        dfs.shutdown();
    }
}
