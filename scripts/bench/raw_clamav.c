// The peer for scripts/bench/scan-vs-libclamav (docs/benchmarks.md, "Targets"): the least a program can do to type and scan
// files: libmagic on the file's first 256 KiB with Airlock's flags (MAGIC_MIME_TYPE | MAGIC_ERROR, regex limit 1 KiB),
// then libclamav (load, compile, cl_scandesc each file with the same options Airlock uses), timed. RAW_NO_MAGIC=1
// leaves libmagic out (libclamav alone, the large-file peer). usage: raw_clamav DB FILE...
// With RAW_CLAMAV_MAP=1 each file is scanned from a read-only mmap (cl_fmap_open_memory + cl_scanmap_callback), as
// Airlock's worker scans its private copies up to 64 MiB.
#include <clamav.h>
#include <magic.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: raw_clamav DB FILE...\n"); return 2; }
    if (cl_init(CL_INIT_DEFAULT) != CL_SUCCESS) return 2;
    struct cl_engine *engine = cl_engine_new();
    unsigned int signatures = 0;
    if (cl_load(argv[1], engine, &signatures, CL_DB_STDOPT) != CL_SUCCESS) return 2;
    // The same limits as the Airlock side of the benchmark (scan-vs-libclamav's configuration).
    cl_engine_set_num(engine, CL_ENGINE_MAX_FILESIZE, 1536LL << 20);
    cl_engine_set_num(engine, CL_ENGINE_MAX_SCANSIZE, 1536LL << 20);
    if (cl_engine_compile(engine) != CL_SUCCESS) return 2;
    struct cl_scan_options options = {0};
    options.general = CL_SCAN_GENERAL_HEURISTICS | CL_SCAN_GENERAL_ALLMATCHES;
    options.parse = ~0u;
    options.heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX | CL_SCAN_HEURISTIC_ENCRYPTED_ARCHIVE | CL_SCAN_HEURISTIC_ENCRYPTED_DOC |
                        CL_SCAN_HEURISTIC_MACROS | CL_SCAN_HEURISTIC_BROKEN;
    int useMagic = getenv("RAW_NO_MAGIC") == NULL;
    magic_t cookie = NULL;
    static unsigned char prefix[256 << 10];
    if (useMagic) {
        cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
        size_t regexLimit = 1024;
        magic_setparam(cookie, MAGIC_PARAM_REGEX_MAX, &regexLimit);
        if (!cookie || magic_load(cookie, NULL) != 0) return 2;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int infected = 0;
    for (int i = 2; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) return 2;
        if (useMagic) {
            ssize_t got = pread(fd, prefix, sizeof prefix, 0);
            if (got > 0 && magic_buffer(cookie, prefix, (size_t)got) == NULL) return 2;
        }
        const char *name = NULL;
        unsigned long scanned = 0;
        if (getenv("RAW_CLAMAV_MAP")) {
            off_t size = lseek(fd, 0, SEEK_END);
            void *base = size > 0 ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
            cl_fmap_t *map = base != MAP_FAILED ? cl_fmap_open_memory(base, size) : NULL;
            if (map && cl_scanmap_callback(map, argv[i], &name, &scanned, engine, &options, NULL) == CL_VIRUS) infected++;
            if (map) cl_fmap_close(map);
            if (base != MAP_FAILED) munmap(base, size);
        } else if (cl_scandesc(fd, argv[i], &name, &scanned, engine, &options) == CL_VIRUS) infected++;
        close(fd);
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);  // libclamav's own peak: the floor any in-process scanner has
    printf("%.6f %d %ld\n", (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9, infected, usage.ru_maxrss / 1024);
    cl_engine_free(engine);
    if (cookie) magic_close(cookie);
    return 0;
}
