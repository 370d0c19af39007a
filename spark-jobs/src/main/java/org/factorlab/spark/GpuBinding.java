package org.factorlab.spark;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds a Spark task's thread to the GPU that Spark's resource scheduler gave the task
 * ({@code spark.task.resource.gpu.amount=1}): {@code TaskContext.resources().get("gpu")} holds the address the
 * executor's discovery script reported. Where the container restricts devices with {@code CUDA_VISIBLE_DEVICES},
 * CUDA numbers the visible devices from 0, so the address is mapped to its position in that list.
 * Without a GPU resource nothing is bound and ND4J runs on whatever backend it has (CPU executors).
 */
public final class GpuBinding {
    private static final Logger LOG = LoggerFactory.getLogger(GpuBinding.class);
    public static final String RESOURCE = "gpu";

    /** ND4J's device control, an interface so that the binding is testable without a GPU. */
    public interface Devices {
        boolean gpuBackend();

        int count();

        void bindCurrentThread(int ordinal);

        Devices ND4J = new Devices() {
            @Override
            public boolean gpuBackend() {
                String b = Nd4j.getBackend().getClass().getName().toLowerCase(Locale.ROOT);
                return b.contains("cuda") || b.contains("jcublas");
            }

            @Override
            public int count() {
                return Nd4j.getAffinityManager().getNumberOfDevices();
            }

            @Override
            public void bindCurrentThread(int ordinal) {
                Nd4j.getAffinityManager().unsafeSetDevice(ordinal);
            }
        };
    }

    /** What happened: the device ordinal bound (-1 for none) and why. */
    public record Binding(int ordinal, String address, String description) {
        public boolean bound() {
            return ordinal >= 0;
        }
    }

    private GpuBinding() {
    }

    /**
     * Binds the current thread to the task's GPU.
     *
     * @param resources          the task's resources ({@code TaskContext.get().resourcesJMap()})
     * @param cudaVisibleDevices the executor's {@code CUDA_VISIBLE_DEVICES} (null when unset)
     */
    public static Binding bind(Map<String, ResourceInformation> resources, String cudaVisibleDevices, Devices devices) {
        ResourceInformation gpu = resources == null ? null : resources.get(RESOURCE);
        if (gpu == null || gpu.addresses().length == 0) {
            String d = devices.gpuBackend() ? "no GPU assigned by Spark; ND4J uses its default device"
                    : "CPU backend, no GPU assigned";
            return new Binding(-1, null, d);
        }
        if (gpu.addresses().length > 1)
            LOG.warn("task was given GPUs {}; a training session uses one, binding the first", Arrays.toString(gpu.addresses()));
        String address = gpu.addresses()[0];
        if (!devices.gpuBackend()) {
            String d = "Spark assigned GPU " + address + " but ND4J runs its CPU backend (build with -Pcuda for GPU executors)";
            LOG.warn(d);
            return new Binding(-1, address, d);
        }
        int ordinal = ordinal(address, cudaVisibleDevices);
        int count = devices.count();
        if (ordinal >= count)
            throw new IllegalStateException("GPU address " + address + " maps to CUDA device " + ordinal + " but ND4J sees "
                    + count + " device(s) (CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices + ")");
        devices.bindCurrentThread(ordinal);
        return new Binding(ordinal, address, "bound to CUDA device " + ordinal + " (Spark GPU address " + address + ")");
    }

    /** The CUDA device ordinal of a Spark GPU address, given the container's CUDA_VISIBLE_DEVICES. */
    static int ordinal(String address, String cudaVisibleDevices) {
        String a = address.trim();
        if (cudaVisibleDevices != null && !cudaVisibleDevices.isBlank()) {
            List<String> visible = Arrays.stream(cudaVisibleDevices.split(",")).map(String::trim).toList();
            int i = visible.indexOf(a);
            if (i >= 0) return i;
        }
        try {
            int n = Integer.parseInt(a);
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalStateException("GPU address '" + address + "' is neither a device index nor listed in "
                    + "CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices);
        }
    }
}
