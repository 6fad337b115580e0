package io.framewise.testkit;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Minimal helper over the ONNX protobuf builders. Not thread-safe; one instance per model. */
final class OnnxGraphBuilder {

  static final long IR_VERSION = 7;
  static final long OPSET = 13;

  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private int nodeCounter;

  OnnxGraphBuilder(String name) {
    graph.setName(name);
  }

  /** Adds a float32 graph input or output; a dim is an Integer (fixed) or a String (symbolic). */
  private static ValueInfoProto valueInfo(String name, Object... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (Object d : dims) {
      TensorShapeProto.Dimension.Builder dim = shape.addDimBuilder();
      if (d instanceof Integer i) {
        dim.setDimValue(i);
      } else {
        dim.setDimParam(d.toString());
      }
    }
    TypeProto type = TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder()
            .setElemType(TensorProto.DataType.FLOAT_VALUE)
            .setShape(shape))
        .build();
    return ValueInfoProto.newBuilder().setName(name).setType(type).build();
  }

  void input(String name, Object... dims) {
    graph.addInput(valueInfo(name, dims));
  }

  void output(String name, Object... dims) {
    graph.addOutput(valueInfo(name, dims));
  }

  /** Adds a float32 initializer and returns its name. */
  String floats(String name, float[] values, long... dims) {
    ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    graph.addInitializer(TensorProto.newBuilder()
        .setName(name)
        .setDataType(TensorProto.DataType.FLOAT_VALUE)
        .addAllDims(longs(dims))
        .setRawData(ByteString.copyFrom(raw.array())));
    return name;
  }

  /** Adds an int64 initializer and returns its name. */
  String int64s(String name, long[] values, long... dims) {
    ByteBuffer raw = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    raw.asLongBuffer().put(values);
    graph.addInitializer(TensorProto.newBuilder()
        .setName(name)
        .setDataType(TensorProto.DataType.INT64_VALUE)
        .addAllDims(longs(dims))
        .setRawData(ByteString.copyFrom(raw.array())));
    return name;
  }

  private static List<Long> longs(long... dims) {
    List<Long> out = new ArrayList<>(dims.length);
    for (long d : dims) {
      out.add(d);
    }
    return out;
  }

  /**
   * Adds a node with one output. Attributes: Integer/Long (int), Float, String, long[] (ints).
   */
  String node(String op, String output, String[] inputs, Map<String, Object> attributes) {
    NodeProto.Builder n = NodeProto.newBuilder()
        .setOpType(op)
        .setName(op + "_" + nodeCounter++)
        .addOutput(output);
    for (String in : inputs) {
      n.addInput(in);
    }
    attributes.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> n.addAttribute(attribute(e.getKey(), e.getValue())));
    graph.addNode(n);
    return output;
  }

  String node(String op, String output, String... inputs) {
    return node(op, output, inputs, Map.of());
  }

  private static AttributeProto attribute(String name, Object value) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
    if (value instanceof Integer || value instanceof Long) {
      a.setType(AttributeProto.AttributeType.INT).setI(((Number) value).longValue());
    } else if (value instanceof Float f) {
      a.setType(AttributeProto.AttributeType.FLOAT).setF(f);
    } else if (value instanceof String s) {
      a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
    } else if (value instanceof long[] ints) {
      a.setType(AttributeProto.AttributeType.INTS);
      for (long v : ints) {
        a.addInts(v);
      }
    } else {
      throw new IllegalArgumentException("unsupported attribute " + name + ": " + value);
    }
    return a.build();
  }

  ModelProto model(Map<String, String> metadata) {
    ModelProto.Builder m = ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .setProducerName("framewise-testkit")
        .setProducerVersion("1")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setGraph(graph);
    metadata.forEach((k, v) ->
        m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    return m.build();
  }
}
