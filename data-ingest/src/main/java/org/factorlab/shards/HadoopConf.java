package org.factorlab.shards;

import java.io.File;
import org.apache.hadoop.conf.Configuration;

/** The Hadoop configuration for command-line tools: defaults plus core-site.xml and hdfs-site.xml from $HADOOP_CONF_DIR. */
public final class HadoopConf {
    private HadoopConf() {
    }

    public static Configuration load() {
        Configuration conf = new Configuration();
        String dir = System.getenv("HADOOP_CONF_DIR");
        if (dir != null && !dir.isBlank()) {
            for (String f : new String[]{"core-site.xml", "hdfs-site.xml"}) {
                File file = new File(dir, f);
                if (file.isFile()) conf.addResource(new org.apache.hadoop.fs.Path(file.toURI()));
            }
        }
        return conf;
    }
}
