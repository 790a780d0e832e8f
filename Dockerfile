# syntax=docker/dockerfile:1
# workshopd: a static binary on distroless, running as nonroot.
#   docker build -t workshopd .
#   docker run -e DATABASE_URL=... -e REDIS_URL=... -p 8080:8080 workshopd          (serve)
#   docker run ... workshopd migrate | seed-demo

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
ENV GOFLAGS=-buildvcs=false
# Modules first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /workshopd ./cmd/workshopd

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /workshopd /workshopd
# Relative paths (MAIL_DIR's default .dev/mail) land in nonroot's home.
WORKDIR /home/nonroot
USER nonroot
ENV HTTP_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/workshopd"]
CMD ["serve"]
