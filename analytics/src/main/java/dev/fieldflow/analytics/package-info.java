/**
 * The analysts' layer over the PostgreSQL model: the five questions of POSTGRES-MODEL.md
 * ({@link dev.fieldflow.analytics.Question}), {@code manage.sh query} ({@link
 * dev.fieldflow.analytics.QueryCommand}), and the web console with its Prometheus endpoint
 * ({@code console}). Nothing here writes to the database.
 */
package dev.fieldflow.analytics;
