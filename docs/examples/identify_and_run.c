/* libnanosh example: ask a WinRM host who it is, then run one cmd.exe command line.
 *   cc identify_and_run.c $(pkg-config --cflags --libs nanosh) -o identify_and_run
 *   NANOSH_PASSWORD=... ./identify_and_run host.example 5986 admin ca.pem 'ver'
 * HTTPS with Basic, trusting the CA in ca.pem; the password comes from the environment. */
#include <nanosh.h>
#include <stdlib.h>

static int print(void *file, const void *data, size_t len)
{
    return fwrite(data, 1, len, file) == len ? 0 : -1;
}

static int fail(nanosh_client *c, const nanosh_error *err)
{
    fprintf(stderr, "%s (%s)\n", err->what, err->fix);
    nanosh_client_free(c);
    return 255;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s HOST PORT USER CAFILE COMMAND\n", argv[0]);
        return 2;
    }
    nanosh_options o = NANOSH_OPTIONS_INIT;
    o.host = argv[1]; o.port = atoi(argv[2]); o.user = argv[3]; o.cacert = argv[4];
    o.https = 1; o.auth = NANOSH_AUTH_BASIC; o.password = getenv("NANOSH_PASSWORD");
    nanosh_client *c = NULL;
    nanosh_identity id;
    nanosh_error err;
    if (nanosh_client_new(&o, &c, &err) || nanosh_identify(c, 0, &id, &err))
        return fail(c, &err);
    printf("%s, %s\n", id.product_vendor, id.product_version);
    nanosh_identity_free(&id);

    nanosh_run_options r = NANOSH_RUN_OPTIONS_INIT;
    r.out = r.err = print; r.out_ud = stdout; r.err_ud = stderr;
    unsigned long long code;
    if (nanosh_run(c, argv[5], &r, &code, &err))
        return fail(c, &err);
    printf("exit code %llu\n", code);
    nanosh_client_free(c);
    return 0;
}
