-- wrk: POST /v1/uploads with a fixed declaration and the key from the environment.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
wrk.body = '{"profile":"documents","filename":"report.pdf","size":48213,"contentType":"application/pdf"}'
