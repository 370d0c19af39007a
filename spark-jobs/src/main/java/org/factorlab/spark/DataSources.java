package org.factorlab.spark;

import org.apache.hadoop.conf.Configuration;
import org.factorlab.spark.toy.ToySquares;

/**
 * Opens the training data named by a {@code --data} URI: a Factorlab shard dataset on any Hadoop FileSystem
 * ({@code hdfs://...}, {@code file://...}, ...), or the in-memory toy dataset {@code toy:squares?size=N}.
 */
public final class DataSources {
    private DataSources() {
    }

    public static WorkerData open(String uri, Configuration conf) {
        if (uri.startsWith(ToySquares.SCHEME + ":")) return ToySquares.parse(uri);
        return ShardWorkerData.open(uri, conf);
    }

    /** On an executor: the Hadoop settings the application was given (spark.hadoop.* and the cluster's *-site.xml). */
    public static Configuration executorConf() {
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        return env != null ? org.apache.spark.deploy.SparkHadoopUtil.get().newConfiguration(env.conf()) : org.factorlab.shards.HadoopConf.load();
    }
}
