# The official Odoo 18 image with the OCA dependencies; used by docker-compose.yml.
FROM odoo:18.0
USER root
COPY requirements.txt /tmp/sla-requirements.txt
# The image's Odoo is a Debian package, so pip must not resolve it again.
RUN pip3 install --no-cache-dir --no-deps --break-system-packages \
        -r /tmp/sla-requirements.txt
USER odoo
