package org.factorlab.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.InputStream;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class DiffusionScheduleTest {
    private static final double T = 1000;

    @Test
    void linearHasLdmEndpointsAndIsIncreasingInSqrtSteps() {
        for (var cfg : new ScheduleConfig[]{ScheduleConfig.encdiffLinear(), ScheduleConfig.ldmDefault(BetaSchedule.LINEAR)}) {
            double[] b = cfg.betas();
            assertEquals(1000, b.length);
            assertEquals(cfg.linearStart(), b[0], 1e-18);
            assertEquals(cfg.linearEnd(), b[999], 1e-17);
            double step = (Math.sqrt(cfg.linearEnd()) - Math.sqrt(cfg.linearStart())) / 999;
            for (int t = 1; t < b.length; t++) {
                assertTrue(b[t] > b[t - 1]);
                assertEquals(step, Math.sqrt(b[t]) - Math.sqrt(b[t - 1]), 1e-15);
            }
        }
    }

    @Test
    void sqrtLinearIsLinearAndSqrtIsItsRoot() {
        double[] lin = ScheduleConfig.encdiff(BetaSchedule.SQRT_LINEAR).betas();
        double[] sq = ScheduleConfig.encdiff(BetaSchedule.SQRT).betas();
        assertEquals(0.0015, lin[0], 1e-18);
        assertEquals(0.0155, lin[999], 1e-18);
        for (int t = 1; t < 1000; t++) {
            assertEquals((0.0155 - 0.0015) / 999, lin[t] - lin[t - 1], 1e-16);
            assertEquals(Math.sqrt(lin[t]), sq[t], 1e-16);
        }
    }

    @Test
    void cosineAlphasCumprodFollowTheCosSquaredFormula() {
        var s = new DiffusionSchedule(ScheduleConfig.cosine());
        double[] abar = s.alphasCumprod(), beta = s.betas();
        Function<Double, Double> f = t -> Math.pow(Math.cos((t / T + 0.008) / 1.008 * Math.PI / 2), 2);
        int clipped = 0;
        for (int t = 0; t < 1000; t++) {
            assertTrue(beta[t] > 0 && beta[t] <= BetaSchedule.COSINE_MAX_BETA);
            if (beta[t] == BetaSchedule.COSINE_MAX_BETA) clipped++;
            else if (clipped == 0) assertEquals(f.apply(t + 1.0) / f.apply(0.0), abar[t], 1e-12, "abar at " + t);
        }
        assertEquals(1, clipped, "only the last beta reaches 0.999");
        assertEquals(BetaSchedule.COSINE_MAX_BETA, beta[999]);
    }

    @Test
    void derivedConstantsFollowTheirDefinitions() {
        for (BetaSchedule kind : BetaSchedule.values()) {
            var s = new DiffusionSchedule(ScheduleConfig.encdiff(kind));
            double[] b = s.betas(), a = s.alphasCumprod(), ap = s.alphasCumprodPrev(), pv = s.posteriorVariance();
            double prod = 1;
            for (int t = 0; t < 1000; t++) {
                assertEquals(prod, ap[t], 1e-15);
                prod *= 1 - b[t];
                assertEquals(prod, a[t], 1e-15);
                assertEquals(b[t] * (1 - ap[t]) / (1 - a[t]), pv[t], 1e-18);
                double c1 = s.posteriorMeanCoef1()[t], c2 = s.posteriorMeanCoef2()[t];
                // the posterior mean is unbiased: E[c1 x0 + c2 x_t | x0] = (c1 + c2 sqrt(abar)) x0 = sqrt(abar_prev) x0
                assertEquals(Math.sqrt(ap[t]), c1 + c2 * Math.sqrt(a[t]), 1e-12, kind + " mean consistency at " + t);
                assertEquals(Math.sqrt(1 / a[t] - 1), s.sqrtRecipm1AlphasCumprod()[t], 1e-9);
            }
            assertEquals(0.0, pv[0]);
            assertEquals(Math.log(DiffusionSchedule.POSTERIOR_VARIANCE_FLOOR), s.posteriorLogVarianceClipped()[0], 1e-12);
        }
    }

    @Test
    void constantsMatchLdmComputedByTorchInDoublePrecision() throws Exception {
        JsonNode root;
        try (InputStream in = getClass().getResourceAsStream("/diffusion/ldm_schedules.json")) {
            root = new ObjectMapper().readTree(in);
        }
        int checked = 0;
        for (JsonNode c : root.get("cases")) {
            var cfg = new ScheduleConfig(BetaSchedule.of(c.get("schedule").asText()), c.get("timesteps").asInt(),
                    c.get("linear_start").asDouble(), c.get("linear_end").asDouble(), c.get("cosine_s").asDouble());
            var s = new DiffusionSchedule(cfg);
            Map<String, double[]> ours = Map.ofEntries(
                    Map.entry("betas", s.betas()), Map.entry("alphas_cumprod", s.alphasCumprod()),
                    Map.entry("alphas_cumprod_prev", s.alphasCumprodPrev()),
                    Map.entry("sqrt_alphas_cumprod", s.sqrtAlphasCumprod()),
                    Map.entry("sqrt_one_minus_alphas_cumprod", s.sqrtOneMinusAlphasCumprod()),
                    Map.entry("log_one_minus_alphas_cumprod", s.logOneMinusAlphasCumprod()),
                    Map.entry("sqrt_recip_alphas_cumprod", s.sqrtRecipAlphasCumprod()),
                    Map.entry("sqrt_recipm1_alphas_cumprod", s.sqrtRecipm1AlphasCumprod()),
                    Map.entry("posterior_variance", s.posteriorVariance()),
                    Map.entry("posterior_log_variance_clipped", s.posteriorLogVarianceClipped()),
                    Map.entry("posterior_mean_coef1", s.posteriorMeanCoef1()),
                    Map.entry("posterior_mean_coef2", s.posteriorMeanCoef2()));
            JsonNode idx = c.get("index");
            var fields = c.get("values").fields();
            while (fields.hasNext()) {
                var f = fields.next();
                double[] mine = ours.get(f.getKey());
                for (int i = 0; i < idx.size(); i++) {
                    double want = f.getValue().get(i).asDouble(), got = mine[idx.get(i).asInt()];
                    // 1e-10 relative: cosine near t = 0 amplifies one-ulp differences of cos() by 1 / (1 - abar) ~ 2.5e4
                    assertEquals(want, got, 1e-10 * Math.max(1e-3, Math.abs(want)), cfg.schedule() + " " + f.getKey() + "[" + idx.get(i) + "]");
                    checked++;
                }
            }
        }
        assertEquals(5 * 12 * 11, checked);
    }

    @Test
    void configsParseFromYamlWithLdmNames() throws Exception {
        var yaml = new YAMLMapper();
        DiffusionConfig c = yaml.readValue("""
                schedule: {schedule: sqrt_linear, timesteps: 1000, linearStart: 0.0015, linearEnd: 0.0155, cosineS: 0.008}
                parameterization: v
                loss: l1
                """, DiffusionConfig.class);
        assertEquals(BetaSchedule.SQRT_LINEAR, c.schedule().schedule());
        assertEquals(Parameterization.V, c.parameterization());
        assertEquals(LossType.L1, c.loss());
        assertEquals(c, yaml.readValue(yaml.writeValueAsString(c), DiffusionConfig.class));
        assertThrows(Exception.class, () -> yaml.readValue("{schedule: {schedule: quadratic, timesteps: 10, linearStart: 0.1, linearEnd: 0.2, cosineS: 0}, parameterization: eps, loss: l1}", DiffusionConfig.class));
    }

    @Test
    void lvlbWeightsFollowLdm() {
        var s = new DiffusionSchedule(ScheduleConfig.encdiffLinear());
        double[] w = s.lvlbWeights(Parameterization.EPS), b = s.betas(), a = s.alphasCumprod(), pv = s.posteriorVariance();
        assertEquals(w[1], w[0]);
        assertEquals(b[500] * b[500] / (2 * pv[500] * (1 - b[500]) * (1 - a[500])), w[500], 1e-12);
    }

    @Test
    void rejectsBadSchedules() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ScheduleConfig(BetaSchedule.LINEAR, 1000, 0, 0.02, 0));
        assertTrue(e.getMessage().startsWith("linearStart"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BetaSchedule.of("quadratic"));
        assertTrue(e.getMessage().contains("sqrt_linear"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ScheduleConfig(BetaSchedule.COSINE, 1, 0.1, 0.2, 0.008));
        assertTrue(e.getMessage().startsWith("timesteps"), e.getMessage());
    }
}
