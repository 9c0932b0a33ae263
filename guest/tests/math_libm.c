// math_libm.c — libm functions (soft-float: no FPU on RV32IMAC).
#include <stdio.h>
#include <math.h>

int main(void)
{
    const double pi = 3.14159265358979323846;
    double xs[] = { 0.0, 0.5, 1.0, 2.0, 10.0, -3.25 };
    for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double x = xs[i];
        printf("x=%.6f sin=%.6f cos=%.6f exp=%.6f atan=%.6f\n", x, sin(x), cos(x), exp(x),
               atan(x));
    }
    for (int k = 0; k <= 8; k++) {
        double a = k * pi / 4;
        printf("angle %d*pi/4: sin=%.6f cos=%.6f tan=%.6f\n", k, sin(a), cos(a),
               k % 4 == 2 ? 0.0 : tan(a));
    }
    printf("sqrt: %.6f %.6f %.6f %.6f\n", sqrt(0.0), sqrt(2.0), sqrt(1e6), sqrt(0.25));
    printf("pow: %.6f %.6f %.6f %.6f\n", pow(2.0, 10.0), pow(2.0, 0.5), pow(10.0, -3.0),
           pow(-2.0, 3.0));
    printf("log: %.6f %.6f %.6f log10=%.6f log2=%.6f\n", log(1.0), log(2.718281828459045),
           log(1e10), log10(12345.0), log2(1024.0));
    printf("round: floor=%.6f ceil=%.6f round=%.6f trunc=%.6f fmod=%.6f fabs=%.6f\n",
           floor(-2.5), ceil(-2.5), round(2.5), trunc(-2.7), fmod(10.0, 3.0), fabs(-7.0));
    printf("atan2: %.6f %.6f hypot=%.6f\n", atan2(1.0, 1.0), atan2(-1.0, -1.0),
           hypot(3.0, 4.0));
    printf("float: sinf=%.6f sqrtf=%.6f powf=%.6f\n", (double)sinf(1.0f), (double)sqrtf(2.0f),
           (double)powf(3.0f, 4.0f));
    printf("special: sqrt(-1) is nan: %d, log(0) is -inf: %d, 1/0 is inf: %d\n",
           isnan(sqrt(-1.0)), isinf(log(0.0)) && log(0.0) < 0, isinf(1.0 / (xs[0] + 0.0)));
    /* A small computation mixing everything: the integral of sin on [0, pi]. */
    double sum = 0.0;
    int n = 1000;
    for (int i = 0; i < n; i++)
        sum += sin((i + 0.5) * pi / n) * (pi / n);
    printf("integral of sin over [0, pi] = %.6f\n", sum);
    return 0;
}
