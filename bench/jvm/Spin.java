// A busy JVM for bench-ebpf: floating-point work in HotSpot's JIT-compiled code, run as a
// single-file program (`java Spin.java`) until killed. Its rounding mode must stay the default.
public class Spin {
    public static void main(String[] args) {
        double x = 1.5, sum = 0;
        for (long i = 0; ; i++) {
            x = Math.sqrt(x * x + 1.0000001) / 1.0000001;
            sum += Math.sin(x) * 1e-9;
            if ((i & 0xffffff) == 0 && sum == 42) System.out.println(sum);
        }
    }
}
