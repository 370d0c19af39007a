package org.factorlab.spark;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.io.IOException;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the model state between the driver and the workers over one plain TCP connection per transfer, instead of
 * through a torrent broadcast and Spark's task results. Across executor JVMs those took about 0.4 s of a 4 s round
 * for a 23 MB state (the parameters and both Adam moments): a broadcast is fetched in 4 MB pieces with block-manager
 * round trips, and a task result is copied through Java serialisation several times on its way (docs/deploy.md).
 * Here the bytes go through one buffered stream each way; Spark still schedules, retries and reports the tasks.
 *
 * <p>The driver {@link #publish}es each round's input before the round's job; a worker task {@link #fetch}es it, trains,
 * and {@link #upload}s its state keyed by (round, worker) before returning its statistics as the task result. A retried
 * or speculative attempt uploads the same key again; the states are deterministic, so the last upload is as good as the
 * first. After the job the driver {@link #take}s the states in worker order. Connections must present the job's random
 * token.
 */
final class StateExchange implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StateExchange.class);
    /** The Spark setting for the driver's exchange port; 0 (the default) takes a free one. */
    static final String PORT_CONF = "spark.factorlab.exchange.port";
    private static final byte GET = 'G', PUT = 'P', OK = 1, FAILED = 0;
    private static final int BUFFER = 1 << 20;
    private static final int TIMEOUT_MS = 10 * 60 * 1000;

    /** Where workers reach the exchange, with the token they must present. */
    record Address(String host, int port, String token) implements Serializable {
    }

    /** One worker's uploaded state. */
    record Upload(long step, FlatArrays parameters, FlatArrays updater) {
    }

    private final ServerSocket server;
    private final Address address;
    private final ExecutorService handlers;
    private final Map<Long, Upload> uploads = new ConcurrentHashMap<>();
    private volatile RoundInput published;

    /** Listens on {@code bindHost:port} (port 0: any free one); workers connect to {@code advertisedHost}. */
    StateExchange(String bindHost, String advertisedHost, int port) {
        try {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(bindHost, port));
        } catch (IOException e) {
            throw new IllegalStateException("state exchange: cannot listen on " + bindHost + ":" + port + " (" + PORT_CONF + "): "
                    + e.getMessage(), e);
        }
        byte[] t = new byte[16];
        new SecureRandom().nextBytes(t);
        address = new Address(advertisedHost, server.getLocalPort(), HexFormat.of().formatHex(t));
        handlers = Executors.newCachedThreadPool(r -> {
            Thread th = new Thread(r, "factorlab-state-exchange");
            th.setDaemon(true);
            return th;
        });
        handlers.submit(this::acceptLoop);
        LOG.info("state exchange listening on {}:{} (advertised as {})", bindHost, address.port(), advertisedHost);
    }

    /**
     * The exchange of a driver with Spark configuration {@code conf}: it listens where the driver binds
     * ({@code spark.driver.bindAddress}, else {@code spark.driver.host}) and executors reach it at
     * {@code spark.driver.host}, on port {@value #PORT_CONF} (default 0: a free port).
     */
    static StateExchange forDriver(org.apache.spark.SparkConf conf) {
        String host = conf.get("spark.driver.host", "localhost");
        return new StateExchange(conf.get("spark.driver.bindAddress", host), host, conf.getInt(PORT_CONF, 0));
    }

    Address address() {
        return address;
    }

    /** The input that {@link #fetch} serves until the next call. */
    void publish(RoundInput input) {
        published = input;
    }

    /** The states uploaded for {@code round}, in worker order; an error naming the workers that did not upload. */
    Upload[] take(int round, int workers) {
        Upload[] out = new Upload[workers];
        StringBuilder missing = new StringBuilder();
        for (int w = 0; w < workers; w++) {
            out[w] = uploads.remove(key(round, w));
            if (out[w] == null) missing.append(missing.length() == 0 ? "" : ", ").append(w);
        }
        // a late attempt of this or an earlier round must not keep its state here for the rest of the job
        uploads.keySet().removeIf(k -> (int) (k >>> 32) <= round);
        if (missing.length() > 0)
            throw new IllegalStateException("round " + (round + 1) + ": no state uploaded by worker(s) " + missing);
        return out;
    }

    private static long key(int round, int worker) {
        return ((long) round << 32) | (worker & 0xffffffffL);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                handlers.submit(() -> serve(s));
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                LOG.warn("state exchange: accept failed: {}", e.toString());
            }
        }
    }

    private void serve(Socket socket) {
        try (socket; Input in = new Input(socket.getInputStream(), BUFFER); Output out = new Output(socket.getOutputStream(), BUFFER)) {
            socket.setSoTimeout(TIMEOUT_MS);
            if (!address.token().equals(in.readString())) {
                LOG.warn("state exchange: a connection from {} presented a wrong token; closed", socket.getRemoteSocketAddress());
                return;
            }
            byte op = in.readByte();
            int round = in.readInt(), worker = in.readInt();
            if (op == GET) {
                RoundInput r = published;
                if (r == null || r.round() != round) {
                    out.writeByte(FAILED);
                    out.writeString("the driver serves round " + (r == null ? "none" : String.valueOf(r.round() + 1)) + ", not round " + (round + 1));
                } else {
                    out.writeByte(OK);
                    out.writeLong(r.step());
                    r.parameters().write(out);
                    r.updater().write(out);
                }
            } else if (op == PUT) {
                long step = in.readLong();
                uploads.put(key(round, worker), new Upload(step, FlatArrays.read(in), FlatArrays.read(in)));
                out.writeByte(OK);
            } else {
                out.writeByte(FAILED);
                out.writeString("unknown request " + op);
            }
            out.flush();
        } catch (IOException | RuntimeException e) {
            // the worker sees a broken connection, fails its task, and Spark retries it
            LOG.warn("state exchange: a transfer from {} failed: {}", socket.getRemoteSocketAddress(), e.toString());
        }
    }

    /** A worker's fetch of round {@code round}'s input (the driver must have published that round). */
    static RoundInput fetch(Address a, int round, int worker) {
        try (Socket s = connect(a); Output out = new Output(s.getOutputStream(), 256); Input in = new Input(s.getInputStream(), BUFFER)) {
            request(out, a, GET, round, worker);
            out.flush();
            check(in, a, round, worker);
            long step = in.readLong();
            return new RoundInput(round, step, FlatArrays.read(in), FlatArrays.read(in));
        } catch (IOException | KryoException e) { // Kryo reports a closed stream as its own exception
            throw new IllegalStateException(transferFailed("fetch the input of", a, round, worker, e), e);
        }
    }

    /** A worker's upload of its state after round {@code round}. */
    static void upload(Address a, int round, int worker, long step, FlatArrays parameters, FlatArrays updater) {
        try (Socket s = connect(a); Output out = new Output(s.getOutputStream(), BUFFER); Input in = new Input(s.getInputStream(), 256)) {
            request(out, a, PUT, round, worker);
            out.writeLong(step);
            parameters.write(out);
            updater.write(out);
            out.flush();
            check(in, a, round, worker);
        } catch (IOException | KryoException e) {
            throw new IllegalStateException(transferFailed("upload the state of", a, round, worker, e), e);
        }
    }

    private static Socket connect(Address a) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(a.host(), a.port()), 60_000);
        s.setSoTimeout(TIMEOUT_MS);
        s.setTcpNoDelay(true);
        return s;
    }

    private static void request(Output out, Address a, byte op, int round, int worker) {
        out.writeString(a.token());
        out.writeByte(op);
        out.writeInt(round);
        out.writeInt(worker);
    }

    private static void check(Input in, Address a, int round, int worker) {
        if (in.readByte() != OK)
            throw new IllegalStateException("state exchange at " + a.host() + ":" + a.port() + ", round " + (round + 1) + ", worker "
                    + worker + ": " + in.readString());
    }

    private static String transferFailed(String what, Address a, int round, int worker, Exception e) {
        return "worker " + worker + " could not " + what + " round " + (round + 1) + " at the driver's state exchange " + a.host()
                + ":" + a.port() + " (" + PORT_CONF + "; executors must reach the driver on this port): " + e;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
        handlers.shutdownNow();
    }
}
