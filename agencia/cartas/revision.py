"""The wording check of letter and message templates: what a collection message must never say.

Colombian law (Ley 1266 de 2008, Ley 2300 de 2023, Ley 1581 de 2012; Superintendencia de
Industria y Comercio) and the laws of the other presets forbid collection messages that imitate
judicial documents, threaten or intimidate, or disclose the debt to third parties. Before an
admin's template is saved, `revisar(texto)` lists every phrase that matches one of the rules
below; any finding blocks the save.

The rules live here and only here (REGLAS), as regular expressions over *normalised* text:
lowercase, without accents (ñ → n), whitespace collapsed, so "Juzgado", "JUZGADO" and "júzgado"
are the same. EXCEPCIONES are lawful disclaimers that contain a flagged word ("no es una
comunicación de un juzgado"): they are removed before matching.
"""

import re
import unicodedata
from dataclasses import dataclass

IMITACION = "Imita un documento judicial u oficial"
AMENAZA = "Amenaza o intimida"
TERCEROS = "Revela la deuda a terceros"

_VERBOS_REVELAR = (
    r"(informar|avisar|contar|comunicar|notificar|reportar|contactar|llamar|escribir|visitar|"
    r"buscar|publicar|divulgar)\w*"
)
_TERCEROS = (
    r"(vecin\w*|emplead\w*|jefe\w*|patron\w*|familia\w*|parientes|conyuge|esposa?|hij[oa]s|"
    r"padres|companer\w*|amig[oa]s|conocidos|referencias|lugar de trabajo|trabajo|empresa donde)"
)

# (pattern over normalised text, category, why it is not allowed)
REGLAS: tuple[tuple[str, str, str], ...] = (
    (r"\bjuzgados?\b", IMITACION,
     "Menciona un juzgado: una comunicación de cobro no puede parecer una actuación judicial."),
    (r"\bmandamientos? (de|ejecutivo de) pago\b", IMITACION,
     "«Mandamiento de pago» es una providencia judicial; solo un juez la dicta."),
    (r"\bembarg\w*( (inminente|inmediato|de sus bienes))?", IMITACION,
     "Anunciar embargos intimida: solo un juez decreta medidas cautelares."),
    (r"\bsecuestro de bienes\b|\bremate de (sus )?bienes\b", IMITACION,
     "Anuncia medidas que solo un juez decreta."),
    (r"\borden(es)? de (captura|arresto|detencion|aprehension)\b", AMENAZA,
     "Una deuda civil no da lugar a captura; la frase es falsa e intimidatoria."),
    (r"\bdemandas? (ejecutivas? |judicial(es)? )?en su contra\b|\b(lo|la|le) demandaremos\b"
     r"|\bdemandaremos\b|\bsera demandad[oa]\b", AMENAZA,
     "Anuncia una demanda como amenaza; informe de forma neutral que el acreedor puede "
     "acudir a las vías legales."),
    (r"\brepublica de colombia\b|\brama judicial\b|\bconsejo superior de la judicatura\b",
     IMITACION, "Imita el encabezado de un documento oficial o judicial."),
    (r"\bsellos? (oficial|judicial|del juzgado)\w*\b|\bescudo (nacional|de colombia)\b",
     IMITACION, "Sellos o escudos oficiales hacen pasar la carta por un documento público."),
    (r"\bfiscalia\b|\bnotificacion judicial\b|\bcitacion judicial\b|\bexpediente judicial\b"
     r"|\bauto que libra\b|\bproceso penal\b|\bdenuncia penal\b", IMITACION,
     "Imita una actuación judicial o penal."),
    (r"\bcarcel\b|\bprision\b|\barrest\w*|\bcapturad[oa]\b|\bpolicia\b", AMENAZA,
     "Menciona cárcel o policía: una deuda civil no es delito y la amenaza está prohibida."),
    (r"\bvisitaremos\b|\b(lo|la|le)s? (visitar\w*|buscar\w*) en su (casa|trabajo|oficina|"
     r"domicilio|lugar de trabajo|empresa)\b|\bir(emos)? a su (casa|trabajo|oficina)\b",
     AMENAZA, "Anuncia visitas a la casa o al trabajo: intimidatorio y prohibido por la ley."),
    (r"\bultima oportunidad\b|\bultimo aviso\b|\bsin mas aviso\b|\bse arrepentira\b"
     r"|\bconsecuencias (graves|irreversibles|muy graves)\b|\bperdera (su|sus) "
     r"(casa|bienes|vivienda|trabajo|empleo)\b", AMENAZA,
     "Lenguaje de ultimátum o intimidación; ofrezca alternativas en un tono respetuoso."),
    (rf"\b(reportaremos|informaremos|avisaremos|contaremos|comunicaremos|notificaremos|"
     rf"contactaremos|llamaremos|escribiremos|publicaremos|divulgaremos)\b[^.]{{0,40}}?"
     rf"\b{_TERCEROS}\b", TERCEROS,
     "Anuncia contactar a terceros (familia, vecinos, empleador): la deuda es confidencial."),
    (rf"\b{_VERBOS_REVELAR} (a |con )?(sus? |los |la |el )?{_TERCEROS}\b", TERCEROS,
     "Habla de contactar a terceros: la deuda solo se trata con el deudor."),
    (r"\blista (publica )?de morosos\b|\bredes sociales\b|\bpublicar su nombre\b", TERCEROS,
     "Exposición pública de la deuda: prohibida."),
)

# Lawful disclaimers that contain a flagged word (normalised, like the text they are removed from).
EXCEPCIONES: tuple[str, ...] = (
    "no es una comunicacion de un juzgado ni de ninguna autoridad",
    "no es una comunicacion de un juzgado",
    "no es un documento judicial",
)

_COMPILADAS = tuple((re.compile(p), c, m) for p, c, m in REGLAS)


@dataclass(frozen=True)
class Hallazgo:
    frase: str  # as it appears in the normalised text
    categoria: str
    motivo: str

    def __str__(self) -> str:
        return f"«{self.frase}»: {self.categoria.lower()}. {self.motivo}"


def normalizar(texto: str) -> str:
    """Lowercase, no accents (ñ → n), one space between words."""
    sin_tildes = "".join(
        c for c in unicodedata.normalize("NFKD", texto) if not unicodedata.combining(c)
    )
    return re.sub(r"\s+", " ", sin_tildes.lower()).strip()


_COMENTARIO_JINJA = re.compile(r"\{#.*?#\}", re.S)
_ETIQUETA = re.compile(r"<[^>]*>")
_ESTILO = re.compile(r"<(style|script)\b.*?</\1>", re.S | re.I)


def texto_visible(fuente: str) -> str:
    """A template's or an HTML page's words: without Jinja comments (they are not sent),
    <style>/<script> blocks and tags. Jinja expressions stay: a string literal is text too."""
    sin = _COMENTARIO_JINJA.sub(" ", fuente)
    sin = _ESTILO.sub(" ", sin)
    return _ETIQUETA.sub(" ", sin)


def revisar(*textos: str) -> list[Hallazgo]:
    """The findings in these texts (a template's source and its rendered sample), each phrase
    once, in the order of the rules."""
    hallazgos: list[Hallazgo] = []
    frases: set[str] = set()
    for texto in textos:
        normal = normalizar(texto_visible(texto))
        for excepcion in EXCEPCIONES:
            normal = normal.replace(excepcion, " ")
        tramos: list[tuple[int, int]] = []  # one finding per stretch of text
        for patron, categoria, motivo in _COMPILADAS:
            for encontrado in patron.finditer(normal):
                inicio, fin = encontrado.span()
                frase = encontrado.group(0).strip()
                if frase in frases or any(i < fin and inicio < f for i, f in tramos):
                    continue
                tramos.append((inicio, fin))
                frases.add(frase)
                hallazgos.append(Hallazgo(frase, categoria, motivo))
    return hallazgos
