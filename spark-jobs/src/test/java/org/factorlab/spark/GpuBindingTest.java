package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

/** Per-task GPU binding, by configuration: Spark's resource map in, the CUDA device bound out. */
class GpuBindingTest {
    /** Records what would be bound; {@code gpu} decides the backend. */
    static final class FakeDevices implements GpuBinding.Devices {
        final boolean gpu;
        final int count;
        final List<Integer> bound = new ArrayList<>();

        FakeDevices(boolean gpu, int count) {
            this.gpu = gpu;
            this.count = count;
        }

        @Override
        public boolean gpuBackend() {
            return gpu;
        }

        @Override
        public int count() {
            return count;
        }

        @Override
        public void bindCurrentThread(int ordinal) {
            bound.add(ordinal);
        }
    }

    private static Map<String, ResourceInformation> gpus(String... addresses) {
        return Map.of("gpu", new ResourceInformation("gpu", addresses));
    }

    @Test
    void bindsTheTasksGpu() {
        var d = new FakeDevices(true, 4);
        var b = GpuBinding.bind(gpus("2"), null, d);
        assertEquals(2, b.ordinal());
        assertEquals(List.of(2), d.bound);
    }

    @Test
    void mapsAddressesThroughCudaVisibleDevices() {
        var d = new FakeDevices(true, 2);
        assertEquals(1, GpuBinding.bind(gpus("6"), "5,6", d).ordinal());
        assertEquals(List.of(1), d.bound);
        // An address not in the list is taken as an ordinal already (the container renumbered the devices).
        assertEquals(0, GpuBinding.ordinal("0", "5,6"));
    }

    @Test
    void noGpuResourceBindsNothing() {
        var d = new FakeDevices(true, 2);
        assertFalse(GpuBinding.bind(Map.of(), null, d).bound());
        assertFalse(GpuBinding.bind(null, null, d).bound());
        assertTrue(d.bound.isEmpty());
    }

    @Test
    void cpuBackendWithAGpuAssignedRunsOnCpuAndSaysSo() {
        var d = new FakeDevices(false, 1);
        var b = GpuBinding.bind(gpus("0"), null, d);
        assertFalse(b.bound());
        assertTrue(b.description().contains("-Pcuda"), b.description());
        assertTrue(d.bound.isEmpty());
    }

    @Test
    void badAddressesFailWithTheAddress() {
        var e = assertThrows(IllegalStateException.class, () -> GpuBinding.bind(gpus("3"), null, new FakeDevices(true, 2)));
        assertTrue(e.getMessage().contains("GPU address 3"), e.getMessage());
        var e2 = assertThrows(IllegalStateException.class, () -> GpuBinding.ordinal("gpu-a", null));
        assertTrue(e2.getMessage().contains("gpu-a"), e2.getMessage());
    }

    @Test
    void thisBuildsNd4jBackendIsCpu() {
        assertFalse(GpuBinding.Devices.ND4J.gpuBackend());
        assertFalse(GpuBinding.bind(gpus("0"), null, GpuBinding.Devices.ND4J).bound());
    }
}
