package org.factorlab.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.Factor;
import org.factorlab.data.ImageShape;
import org.factorlab.model.Families;
import org.factorlab.model.ModelFamily;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class VaeFamilyTest {
    private static final DatasetSpec LABELLED = new DatasetSpec("grid", List.of(Factor.ofClasses("shape", 3), Factor.ofClasses("size", 1),
            Factor.ofClasses("hue", 5)), new ImageShape(32, 32, 3));
    private static final DatasetSpec UNLABELLED = new DatasetSpec("faces", List.of(), new ImageShape(32, 32, 3));

    @Test
    void ivaeTakesItsFactorsFromTheDataAndRefusesDataWithoutThem() {
        ModelFamily f = Families.get("ivae");
        String eff = f.effectiveConfig("model: {imageSize: 32}\n", List.of(), "i.yaml");
        String withData = f.withData(eff, LABELLED, "i.yaml");
        VaeConfig c = (VaeConfig) f.parse(withData, "i.yaml");
        assertEquals(List.of("shape", "size", "hue"), c.ivae().factorNames());
        assertEquals(List.of(3, 1, 5), c.ivae().factorSizes());
        var ex = assertThrows(IllegalArgumentException.class, () -> f.withData(eff, UNLABELLED, "i.yaml"));
        assertTrue(ex.getMessage().contains("i.yaml") && ex.getMessage().contains("ivae.u"), ex.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class,
                () -> f.withData(f.effectiveConfig("model: {imageSize: 32}\nivae: {factors: [colour]}\n", List.of(), "j.yaml"), LABELLED, "j.yaml"));
        assertTrue(unknown.getMessage().contains("ivae.factors") && unknown.getMessage().contains("colour"), unknown.getMessage());
    }

    @Test
    void otherFamiliesIgnoreTheDataAndRefuseForeignKeys() {
        ModelFamily f = Families.get("betavae");
        String eff = f.effectiveConfig("model: {imageSize: 32}\n", List.of(), "b.yaml");
        assertEquals(eff, f.withData(eff, UNLABELLED, "b.yaml"));
        var ex = assertThrows(IllegalArgumentException.class, () -> f.effectiveConfig("objective: {gamma: 3}\n", List.of(), "b.yaml"));
        assertTrue(ex.getMessage().contains("objective.gamma") && ex.getMessage().contains("b.yaml"), ex.getMessage());
        var size = assertThrows(IllegalArgumentException.class, () -> f.effectiveConfig("", List.of("model.imageSize=48"), "b.yaml"));
        assertTrue(size.getMessage().contains("model.imageSize"), size.getMessage());
    }

    @Test
    void auxiliaryVariableKinds() {
        var names = List.of("shape", "size", "hue");
        var sizes = List.of(3, 1, 5);
        int[][] classes = {{2, 0, 0}, {0, 0, 4}};
        INDArray oneHot = new AuxiliaryVariable(AuxiliaryVariable.Kind.ONE_HOT, false, names, sizes, List.of()).of(classes, DataType.DOUBLE);
        assertEquals(9, oneHot.size(1));
        assertEquals(List.of(0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0), asList(oneHot.getRow(0)));
        var lv = new AuxiliaryVariable(AuxiliaryVariable.Kind.LABEL_VARIANCE, true, names, sizes, List.of("shape", "hue"));
        INDArray u = lv.of(classes, DataType.DOUBLE);
        assertEquals(4, u.size(1));
        double var3 = 4.0 / 24, var5 = 6.0 / 48;  // (n + 1) / (12 (n - 1))
        assertEquals(0.25 / var3, u.getDouble(0, 0), 1e-12);   // shape class 2 of 3: y = 1
        assertEquals(1.0, u.getDouble(0, 1), 1e-12);
        assertEquals(0.25 / var5, u.getDouble(0, 2), 1e-12);   // hue class 0 of 5: y = 0
        assertEquals(0.0, u.getDouble(0, 3), 1e-12);
    }

    private static List<Double> asList(INDArray row) {
        List<Double> out = new java.util.ArrayList<>();
        for (double d : row.toDoubleVector()) out.add(d);
        return out;
    }
}
