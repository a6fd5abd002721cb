# The official Odoo 18 image with the four addons installed the way OCA
# ships addons: one wheel each, built by whool from the addon's
# pyproject.toml. docker-compose.yml runs the last stage (app);
# docker-compose.dev.yml runs `dev` with the working tree mounted instead.

# Odoo with the OCA dependencies, pinned in requirements.txt. The image's Odoo
# is a Debian package that pip does not know, so pip must not resolve it.
FROM odoo:18.0 AS dev
USER root
COPY requirements.txt /tmp/sla-requirements.txt
RUN pip3 install --no-cache-dir --no-deps --break-system-packages \
        -r /tmp/sla-requirements.txt
USER odoo

# The wheels. Outside a git checkout whool takes each manifest's version as is.
FROM odoo:18.0 AS wheels
USER root
COPY scripts/wheel-build-constraints.txt /src/
COPY sla_contract /src/sla_contract
COPY sla_escalation /src/sla_escalation
COPY sla_credits /src/sla_credits
COPY sla_portal /src/sla_portal
RUN PIP_CONSTRAINT=/src/wheel-build-constraints.txt pip3 wheel --no-cache-dir \
        --no-deps --wheel-dir /wheels \
        /src/sla_contract /src/sla_escalation /src/sla_credits /src/sla_portal

FROM dev AS app
USER root
COPY --from=wheels /wheels /tmp/sla-wheels
RUN pip3 install --no-cache-dir --no-deps --break-system-packages /tmp/sla-wheels/*.whl \
    && rm -rf /tmp/sla-wheels
USER odoo
