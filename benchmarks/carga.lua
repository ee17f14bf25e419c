-- wrk script for benchmarks/carga.py: staff pages with logged-in sessions.
--
-- CARGA_PLAN names a file with one request per line: "<Cookie header>\t<path>". carga.py
-- writes it with each page repeated by its weight in the mix, shuffled; every wrk thread walks
-- the list from its own offset, so the connections share the mix. Anything other than HTTP
-- 200 counts as an error here (a 302 would be a lost session, sent to /ingresar), besides
-- wrk's socket errors. done() prints `carga_<name>: <value>` lines that carga.py reads.

local agente_usuario = os.getenv("CARGA_USER_AGENT") or "agencia-carga"
local peticiones = {}
for linea in io.lines(os.getenv("CARGA_PLAN")) do
  local cookie, ruta = linea:match("^([^\t]*)\t(.+)$")
  if ruta then
    peticiones[#peticiones + 1] = wrk.format("GET", ruta,
      { ["Cookie"] = cookie, ["User-Agent"] = agente_usuario })
  end
end

local hilos = {}

function setup(hilo)
  hilos[#hilos + 1] = hilo
  hilo:set("id_hilo", #hilos)
end

function init(args)
  siguiente = (id_hilo * 7919) % #peticiones
  no_200, redirecciones = 0, 0
end

function request()
  siguiente = siguiente % #peticiones + 1
  return peticiones[siguiente]
end

function response(estado, cabeceras, cuerpo)
  if estado ~= 200 then
    no_200 = no_200 + 1
    if estado >= 300 and estado < 400 then
      redirecciones = redirecciones + 1
    end
  end
end

function done(resumen, latencia, _)
  local no_200, redirecciones = 0, 0
  for _, hilo in ipairs(hilos) do
    no_200 = no_200 + hilo:get("no_200")
    redirecciones = redirecciones + hilo:get("redirecciones")
  end
  local e = resumen.errors
  local cifras = {
    peticiones = resumen.requests,
    duracion_us = resumen.duration,
    no_200 = no_200,
    redirecciones = redirecciones,
    errores_socket = e.connect + e.read + e.write + e.timeout,
    p50_us = latencia:percentile(50),
    p95_us = latencia:percentile(95),
    p99_us = latencia:percentile(99),
    maximo_us = latencia.max,
  }
  for _, nombre in ipairs({ "peticiones", "duracion_us", "no_200", "redirecciones",
                            "errores_socket", "p50_us", "p95_us", "p99_us", "maximo_us" }) do
    io.write(string.format("carga_%s: %d\n", nombre, cifras[nombre]))
  end
end
